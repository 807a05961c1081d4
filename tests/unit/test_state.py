"""Tests of the fine-tuning state file."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import openai
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers_finetune import estimate, validate, write_dataset
from persona_clone import OpenAIFineTuner
from persona_clone.errors import ConfigError, FineTuneError
from persona_clone.finetune.state import RunState, StateFile, StateLock, Upload
from persona_clone.testing import FakeClock, FakeOpenAI


_ids = st.text(st.characters(codec="utf-8"), max_size=30)


class TestStateFile:
    def test_missing_file_is_an_empty_state(self, tmp_path: Path) -> None:
        """Loading a state file that does not exist gives an empty state."""
        assert RunState() == StateFile(path=tmp_path / "none.json").load()

    @given(
        job_id=st.none() | _ids,
        status=st.none() | st.sampled_from(["queued", "running", "succeeded"]),
        uploads=st.lists(
            st.builds(
                Upload,
                sha256=_ids,
                file_id=_ids,
                filename=_ids,
                bytes=st.integers(0, 2**40),
            ),
            max_size=3,
        ),
    )
    def test_round_trip(
        self, job_id: str | None, status: str | None, uploads: list[Upload]
    ) -> None:
        """What is saved loads back equal."""
        import tempfile  # noqa: PLC0415 - Hypothesis forbids function-scoped fixtures

        with tempfile.TemporaryDirectory() as folder:
            state_file = StateFile(path=Path(folder) / "deep" / "state.json")
            state = RunState(run_key="k", job_id=job_id, status=status, uploads=tuple(uploads))

            state_file.save(state)

            assert state == state_file.load()

    def test_save_leaves_no_temporary_files(self, tmp_path: Path) -> None:
        """Saving twice leaves only the state file in its folder."""
        state_file = StateFile(path=tmp_path / "state.json")

        state_file.save(RunState(job_id="ftjob-1"))
        state_file.save(RunState(job_id="ftjob-2"))

        assert (["state.json"], "ftjob-2") == (
            sorted(p.name for p in tmp_path.iterdir()),
            state_file.load().job_id,
        )

    def test_unreadable_file_is_a_config_error(self, tmp_path: Path) -> None:
        """A file that is not a state file raises ConfigError naming it."""
        path = tmp_path / "state.json"
        path.write_text("{not json", encoding="utf-8")

        with pytest.raises(ConfigError, match=r"state\.json"):
            StateFile(path=path).load()

    def test_other_version_is_a_config_error(self, tmp_path: Path) -> None:
        """A state file from another format version is refused."""
        path = tmp_path / "state.json"
        path.write_text('{"version": 99}', encoding="utf-8")

        with pytest.raises(ConfigError, match="version"):
            StateFile(path=path).load()


class TestRunState:
    def test_with_upload_replaces_same_hash(self) -> None:
        """Recording an upload of the same bytes replaces the older record."""
        old = Upload(sha256="a", file_id="file-1", filename="t.jsonl", bytes=1)
        new = Upload(sha256="a", file_id="file-2", filename="t.jsonl", bytes=1)

        state = RunState().with_upload(old).with_upload(new)

        assert (new,) == state.uploads
        assert new == state.upload_for("a")


class TestStateLock:
    def test_second_holder_is_refused_naming_the_first(self, tmp_path: Path) -> None:
        """While one holder has the lock, another is refused with its pid, host and time."""
        clock = FakeClock()
        first = StateLock(state_path=tmp_path / "state.json", clock=clock)
        second = StateLock(state_path=tmp_path / "state.json", clock=clock, sleep=clock.sleep)
        first.acquire()
        since = clock.now().replace(microsecond=0).isoformat()

        with pytest.raises(FineTuneError, match=r"state\.json: in use by process") as caught:
            second.acquire(wait=2.0)

        assert "state_locked" == caught.value.code
        message = str(caught.value)
        assert f"process {os.getpid()} on {socket.gethostname()} since {since}" in message
        assert [0.5, 0.5, 0.5, 0.5] == clock.sleeps

    def test_released_lock_can_be_taken(self, tmp_path: Path) -> None:
        """After release another holder takes the lock at once."""
        first = StateLock(state_path=tmp_path / "state.json")
        second = StateLock(state_path=tmp_path / "state.json")
        first.acquire()
        first.release()

        second.acquire()

        assert (False, True) == (first.held, second.held)
        second.release()

    def test_tuner_refuses_while_another_holds_the_state(self, tmp_path: Path) -> None:
        """OpenAIFineTuner.start() uploads nothing while another process holds the state file."""
        write_dataset(tmp_path / "train.jsonl")
        holder = StateLock(state_path=tmp_path / "state.json")
        holder.acquire()
        clock = FakeClock()
        with FakeOpenAI() as fake:
            options: dict[str, Any] = {"validate": validate, "estimate": estimate}
            tuner = OpenAIFineTuner(
                client=openai.OpenAI(api_key="test", base_url=fake.base_url),
                model="gpt-4o-mini",
                state_path=tmp_path / "state.json",
                clock=clock,
                sleep=clock.sleep,
                lock_wait=0,
                **options,
            )
            plan = tuner.prepare(tmp_path / "train.jsonl")

            with pytest.raises(FineTuneError, match=f"in use by process {os.getpid()}"):
                tuner.start(plan)

            assert [] == fake.requests
        holder.release()

"""Tests of the fine-tuning state file."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from persona_clone.errors import ConfigError
from persona_clone.finetune.state import RunState, StateFile, Upload


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

"""Two real ``persona-clone finetune`` processes sharing one state file, against FakeOpenAI."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers_finetune import write_dataset
from persona_clone.testing import FakeOpenAI, Fault


pytestmark = pytest.mark.slow


@pytest.fixture(name="fake")
def _fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def _start(fake: FakeOpenAI, workdir: Path) -> subprocess.Popen[str]:
    """Start ``python -m persona_clone finetune`` on the shared dataset and state file."""
    env = {
        **os.environ,
        "OPENAI_API_KEY": "test",
        "OPENAI_BASE_URL": fake.base_url,
    }
    command = [
        sys.executable,
        "-m",
        "persona_clone",
        "finetune",
        "train.jsonl",
        "--model",
        "gpt-4o-mini",
        "--poll-interval",
        "0",
        "--state",
        "shared-state.json",
    ]
    return subprocess.Popen(
        command,
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_upload(fake: FakeOpenAI, process: subprocess.Popen[str]) -> None:
    """Block until *process* has sent its upload (which the fake answers slowly)."""
    for _ in range(600):
        if fake.requests_to("POST", "/v1/files") or process.poll() is not None:
            return
        threading.Event().wait(0.05)


class TestSharedStateFile:
    def test_two_processes_make_one_upload_and_one_job(
        self, fake: FakeOpenAI, tmp_path: Path
    ) -> None:
        """The second process waits for the first, then follows its job: one upload, one job."""
        write_dataset(tmp_path / "train.jsonl", 12)
        fake.inject(Fault.slow(3.0), method="POST", path="/v1/files")

        first = _start(fake, tmp_path)
        _wait_for_upload(fake, first)
        second = _start(fake, tmp_path)
        first_out, first_err = first.communicate(timeout=120)
        second_out, second_err = second.communicate(timeout=120)

        assert (0, 0) == (first.returncode, second.returncode), first_err + second_err
        job = fake.jobs()[0]
        assert (1, 1) == (len(fake.uploads()), len(fake.jobs()))
        assert f"started job {job['id']}" in first_err
        assert f"shared-state.json is in use by process {first.pid}" in second_err
        assert f"resuming job {job['id']}" in second_err
        assert first_out.splitlines()[-1] == second_out.splitlines()[-1] == job["fine_tuned_model"]

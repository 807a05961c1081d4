"""Two real ``persona-clone finetune`` processes sharing one state file, against FakeOpenAI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers_finetune import write_dataset
from persona_clone.clock import system_sleep
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


class TestSharedStateFile:
    def test_two_processes_make_one_upload_and_one_job(
        self, fake: FakeOpenAI, tmp_path: Path
    ) -> None:
        """The second waits while the first uploads, then follows the first one's job."""
        write_dataset(tmp_path / "train.jsonl", 12)
        fake.inject(Fault.slow(5.0), method="POST", path="/v1/files")
        lock = tmp_path / "shared-state.json.lock"

        processes = [_start(fake, tmp_path)]
        # the second starts once the first holds the lock (its upload then takes 5 s),
        # so that it must wait however fast the machine is
        for _ in range(600):
            if (lock.exists() and lock.stat().st_size > 0) or processes[0].poll() is not None:
                break
            system_sleep(0.05)
        processes.append(_start(fake, tmp_path))
        outputs = [process.communicate(timeout=120) for process in processes]

        codes = [process.returncode for process in processes]
        assert [0, 0] == codes, "".join(err for _, err in outputs)
        job = fake.jobs()[0]
        assert (1, 1) == (len(fake.uploads()), len(fake.jobs()))
        started = [f"started job {job['id']}" in err for _, err in outputs]
        first, second = (0, 1) if started[0] else (1, 0)
        assert [True, False] == [started[first], started[second]]
        waited = outputs[second][1]
        assert f"shared-state.json is in use by process {processes[first].pid}" in waited
        assert f"resuming job {job['id']}" in waited
        models = {out.splitlines()[-1] for out, _ in outputs}
        assert {job["fine_tuned_model"]} == models

"""OpenAIFineTuner against FakeOpenAI: faults, crash and resume, the OpenAPI spec."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from helpers_finetune import estimate, validate, write_dataset
from helpers_spec import spec_errors
from persona_clone.errors import FineTuneError
from persona_clone.finetune import JobStatus, Progress
from persona_clone.finetune.job_records import Hyperparameters
from persona_clone.finetune.openai_backend import OpenAIFineTuner
from persona_clone.testing import FakeClock, FakeOpenAI, Fault


@pytest.fixture(name="fake")
def _fake(clock: FakeClock) -> Iterator[FakeOpenAI]:
    with FakeOpenAI(clock=clock, sleep=clock.sleep) as fake:
        yield fake


@pytest.fixture(name="clock")
def _clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(name="client")
def _client(fake: FakeOpenAI) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(api_key="test", base_url=fake.base_url, max_retries=0) as client:
        yield client


@pytest.fixture(name="make_tuner")
def _make_tuner(
    client: openai.OpenAI, clock: FakeClock, tmp_path: Path
) -> Callable[..., OpenAIFineTuner]:
    def make(**options: Any) -> OpenAIFineTuner:
        values: dict[str, Any] = {
            "client": client,
            "model": "gpt-4o-mini",
            "suffix": "ali",
            "hyperparameters": Hyperparameters(n_epochs=2),
            "clock": clock,
            "sleep": clock.sleep,
            "validate": validate,
            "estimate": estimate,
            "state_path": tmp_path / "state" / "finetune-state.json",
            "poll_interval": 1.0,
        }
        values.update(options)
        return OpenAIFineTuner(**values)

    return make


@pytest.fixture(name="dataset")
def _dataset(tmp_path: Path) -> Path:
    return write_dataset(tmp_path / "train.jsonl", 12)


def _run(tuner: OpenAIFineTuner, dataset: Path, **follow: Any) -> Any:
    plan = tuner.prepare(dataset)
    return tuner.follow(tuner.start(plan), **follow)


FAULTS = {
    "429 with retry-after-ms": Fault.rate_limit(retry_after_ms=20),
    "429 with retry-after": Fault.rate_limit(retry_after_ms=None, retry_after=2),
    "500": Fault.server_error(500),
    "503": Fault.server_error(503),
    "dropped before": Fault.dropped(),
    "dropped after the work": Fault.dropped(after=True),
    "500 after the work": Fault(status=500, message="boom", after=True),
}
ROUTES = [
    ("POST", "/v1/files"),
    ("GET", "/v1/files*"),
    ("POST", "/v1/fine_tuning/jobs"),
    ("GET", "/v1/fine_tuning/jobs"),
    ("GET", "/v1/fine_tuning/jobs/*"),
    ("GET", "/v1/fine_tuning/jobs/*/events"),
    ("GET", "/v1/fine_tuning/jobs/*/checkpoints"),
]


class TestFaults:
    @pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
    @pytest.mark.parametrize("route", ROUTES, ids=[" ".join(r) for r in ROUTES])
    def test_survives_without_duplicates(
        self,
        fake: FakeOpenAI,
        make_tuner: Callable[..., OpenAIFineTuner],
        dataset: Path,
        fault: Fault,
        route: tuple[str, str],
    ) -> None:
        """A fault on any route is survived with exactly one upload and one job."""
        fake.inject(fault, method=route[0], path=route[1], times=2)

        result = _run(make_tuner(), dataset)

        assert JobStatus.SUCCEEDED == result.status
        assert (1, 1) == (len(fake.uploads()), len(fake.jobs()))

    def test_slow_responses_time_out_and_recover(
        self, make_tuner: Callable[..., OpenAIFineTuner], dataset: Path
    ) -> None:
        """Answers slower than the timeout are retried; a slow create makes one job."""
        with FakeOpenAI() as slow:  # the real sleep: these answers really are late
            slow.inject(Fault.slow(2.0), method="GET", path="/v1/fine_tuning/jobs/*")
            slow.inject(Fault.slow(2.0, after=True), method="POST", path="/v1/fine_tuning/jobs")
            with openai.OpenAI(
                api_key="test", base_url=slow.base_url, max_retries=0, timeout=0.5
            ) as client:
                result = _run(make_tuner(client=client), dataset)

            assert JobStatus.SUCCEEDED == result.status
            assert (1, 1) == (len(slow.uploads()), len(slow.jobs()))

    def test_job_failure_is_reported(
        self,
        fake: FakeOpenAI,
        make_tuner: Callable[..., OpenAIFineTuner],
        dataset: Path,
    ) -> None:
        """A job the service fails ends with its error code and message."""
        fake.fail_next_job(code="exceeded_quota", message="Billing problem", at="running")

        result = _run(make_tuner(), dataset)

        assert (JobStatus.FAILED, "exceeded_quota", "Billing problem") == (
            result.status,
            result.error_code,
            result.error_message,
        )

    def test_too_few_examples_fail_the_job(
        self, make_tuner: Callable[..., OpenAIFineTuner], tmp_path: Path
    ) -> None:
        """A training file with under ten examples fails with the service's code."""
        small = write_dataset(tmp_path / "small.jsonl", 7)

        result = _run(make_tuner(), small)

        assert (
            "invalid_n_examples",
            "Training file has 7 example(s), but must have at least 10 examples",
        ) == (
            result.error_code,
            result.error_message,
        )

    def test_non_jsonl_upload_is_rejected(
        self, make_tuner: Callable[..., OpenAIFineTuner], tmp_path: Path
    ) -> None:
        """An upload that is not JSONL raises FineTuneError with its status details."""
        bad = tmp_path / "bad.jsonl"
        bad.write_text("{}\nnot json\n", encoding="utf-8")

        with pytest.raises(FineTuneError, match="JSONL format"):
            make_tuner().upload(bad)

    def test_no_retry_past_the_limit(
        self,
        fake: FakeOpenAI,
        make_tuner: Callable[..., OpenAIFineTuner],
        clock: FakeClock,
    ) -> None:
        """A service that keeps failing ends in FineTuneError after the set tries."""
        fake.inject(Fault.server_error(503), method="GET", path="/v1/fine_tuning/jobs", times=10)

        with pytest.raises(FineTuneError, match="HTTP 503"):
            list(make_tuner(retries=3).jobs())

        assert 4 == len(fake.requests_to("GET", "/v1/fine_tuning/jobs"))


class _Crash(Exception):  # noqa: N818 - a simulated crash
    pass


class TestResume:
    @pytest.mark.parametrize("interrupt", [_Crash, KeyboardInterrupt])
    def test_resume_after_crash(
        self,
        fake: FakeOpenAI,
        make_tuner: Callable[..., OpenAIFineTuner],
        dataset: Path,
        interrupt: type[BaseException],
    ) -> None:
        """An interrupted run resumes its job: one upload, one job, no event twice."""
        reported: list[str] = []

        def crash_on_training(progress: Progress) -> None:
            reported.append(progress.message)
            if progress.status is JobStatus.RUNNING:
                raise interrupt

        with pytest.raises(interrupt):
            _run(make_tuner(), dataset, on_progress=crash_on_training)
        result = _run(make_tuner(), dataset, on_progress=lambda p: reported.append(p.message))

        assert JobStatus.SUCCEEDED == result.status
        assert (1, 1) == (len(fake.uploads()), len(fake.jobs()))
        events = [m for m in reported if not m.startswith(("status:", "checkpoint at"))]
        assert len(set(events)) == len(events)

    def test_crash_before_state_saved_finds_the_job(
        self,
        fake: FakeOpenAI,
        make_tuner: Callable[..., OpenAIFineTuner],
        dataset: Path,
    ) -> None:
        """A job created just before a crash (id not saved) is found by its metadata."""
        fake.inject(
            Fault.dropped(after=True),
            method="POST",
            path="/v1/fine_tuning/jobs",
            times=10,
        )
        tuner = make_tuner(retries=0)
        with pytest.raises(FineTuneError):
            tuner.start(tuner.prepare(dataset))

        result = _run(make_tuner(), dataset)

        assert (JobStatus.SUCCEEDED, 1, 1) == (
            result.status,
            len(fake.uploads()),
            len(fake.jobs()),
        )

    def test_finished_run_reports_the_job(
        self,
        fake: FakeOpenAI,
        make_tuner: Callable[..., OpenAIFineTuner],
        dataset: Path,
    ) -> None:
        """Running a finished run again returns its model without paid requests."""
        first = _run(make_tuner(), dataset)
        posts = len([r for r in fake.requests if r.method == "POST"])

        second = _run(make_tuner(), dataset)

        assert first.model == second.model
        assert posts == len([r for r in fake.requests if r.method == "POST"])

    def test_failed_run_starts_again(
        self,
        fake: FakeOpenAI,
        make_tuner: Callable[..., OpenAIFineTuner],
        dataset: Path,
    ) -> None:
        """After a failed job, running again creates a new job but reuses the upload."""
        fake.fail_next_job()
        _run(make_tuner(), dataset)

        result = _run(make_tuner(), dataset)

        assert (JobStatus.SUCCEEDED, 1, 2) == (
            result.status,
            len(fake.uploads()),
            len(fake.jobs()),
        )

    def test_pause_and_resume(
        self,
        fake: FakeOpenAI,
        make_tuner: Callable[..., OpenAIFineTuner],
        dataset: Path,
    ) -> None:
        """A running job can be paused and resumed, and then finishes."""
        tuner = make_tuner(hyperparameters=Hyperparameters(n_epochs=3))
        job_id = tuner.start(tuner.prepare(dataset))
        fake.advance(job_id, steps=2)

        statuses = [tuner.pause(job_id).status, tuner.resume(job_id).status]
        result = tuner.follow(job_id)

        assert (["paused", "queued"], JobStatus.SUCCEEDED) == (statuses, result.status)


class TestSpec:
    def test_requests_match_the_openapi_spec(
        self,
        fake: FakeOpenAI,
        make_tuner: Callable[..., OpenAIFineTuner],
        dataset: Path,
        tmp_path: Path,
    ) -> None:
        """Every request body the tuner sends validates against the official spec."""
        tuner = make_tuner(
            seed=3,
            metadata={"persona": "ali"},
            hyperparameters=Hyperparameters(n_epochs=2, batch_size=4, learning_rate_multiplier=0.3),
        )
        plan = tuner.prepare(dataset, validation_file=write_dataset(tmp_path / "valid.jsonl", 3))
        job_id = tuner.start(plan)
        tuner.follow(job_id)
        tuner.cancel(tuner.start(make_tuner(suffix="other").prepare(dataset)))

        problems = []
        for request in fake.requests_to("POST", "/v1/fine_tuning/jobs"):
            problems += spec_errors("CreateFineTuningJobRequest", request.json)
        for request in fake.requests_to("POST", "/v1/files"):
            fields = {**request.form, **dict.fromkeys(request.files, "<binary>")}
            problems += spec_errors("CreateFileRequest", fields)
            assert request.files["file"][0].endswith(".jsonl")

        assert [] == problems
        assert 2 == len(fake.requests_to("POST", "/v1/files"))

    def test_legacy_model_request_matches_the_spec(
        self,
        fake: FakeOpenAI,
        make_tuner: Callable[..., OpenAIFineTuner],
        tmp_path: Path,
    ) -> None:
        """A prompt/completion model gets top-level hyperparameters, not a method."""
        legacy = tmp_path / "legacy.jsonl"
        legacy.write_text(
            "".join(
                '{"prompt": "User: hi\\nAssistant:", "completion": " lol\\n"}\n' for _ in range(10)
            ),
            encoding="utf-8",
        )
        tuner = make_tuner(model="babbage-002")

        result = tuner.follow(tuner.start(tuner.prepare(legacy)))

        body = fake.requests_to("POST", "/v1/fine_tuning/jobs")[0].json
        assert (JobStatus.SUCCEEDED, None) == (result.status, body.get("method"))
        assert {
            "n_epochs": 2,
            "batch_size": "auto",
            "learning_rate_multiplier": "auto",
        } == body["hyperparameters"]
        assert [] == spec_errors("CreateFineTuningJobRequest", body)

    def test_spec_check_catches_bad_bodies(self) -> None:
        """The spec check itself rejects a body the service would refuse."""
        bad = {
            "model": "m",
            "training_file": "f",
            "method": {
                "type": "supervised",
                "supervised": {"hyperparameters": {"n_epochs": 0}},
            },
        }

        assert [] != spec_errors("CreateFineTuningJobRequest", bad)
        assert [] != spec_errors("CreateFileRequest", {"file": "x", "purpose": "fine-tune-results"})

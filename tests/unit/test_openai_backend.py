"""Unit tests of OpenAIFineTuner over the real SDK and a mock transport."""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openai
import pendulum
import pytest
from attrs import define, field

from helpers_finetune import estimate, validate, write_dataset
from helpers_http import Request, Response, mock_openai
from persona_clone.errors import ConfigError, DatasetError, FineTuneError
from persona_clone.finetune import FineTuner, JobStatus, Progress
from persona_clone.finetune.job_records import Hyperparameters
from persona_clone.finetune.openai_backend import OpenAIFineTuner
from persona_clone.finetune.state import StateFile
from persona_clone.testing import FakeClock


NOW = pendulum.datetime(2026, 6, 1, tz="UTC")


_EMPTY_LIST: dict[str, Any] = {"object": "list", "data": [], "has_more": False}
"""A page of a list endpoint with nothing on it."""


def _job(status: str = "queued", **overrides: Any) -> dict[str, Any]:
    job = {
        "object": "fine_tuning.job",
        "id": "ftjob-1",
        "model": "gpt-4o-mini-2024-07-18",
        "created_at": 1767225600,
        "finished_at": None,
        "fine_tuned_model": None,
        "organization_id": "org-x",
        "result_files": [],
        "status": status,
        "validation_file": None,
        "training_file": "file-1",
        "hyperparameters": {
            "n_epochs": 3,
            "batch_size": 1,
            "learning_rate_multiplier": 1.8,
        },
        "trained_tokens": None,
        "error": {"code": None, "message": None, "param": None},
        "seed": 7,
        "metadata": None,
    }
    job.update(overrides)
    return job


def _file(file_id: str = "file-1", status: str = "processed", **overrides: Any) -> dict[str, Any]:
    data = {
        "id": file_id,
        "object": "file",
        "bytes": 10,
        "created_at": 1767225600,
        "filename": "train.jsonl",
        "purpose": "fine-tune",
        "status": status,
        "status_details": None,
    }
    data.update(overrides)
    return data


def _event(number: int, message: str | None = None, **overrides: Any) -> dict[str, Any]:
    event = {
        "object": "fine_tuning.job.event",
        "id": f"ftevent-{number}",
        "created_at": 1767225600 + number,
        "level": "info",
        "message": message or f"event {number}",
        "type": "message",
        "data": {},
    }
    event.update(overrides)
    return event


def _error(status: int, message: str, code: str | None = None, **headers: str) -> Response:
    body = {
        "error": {
            "message": message,
            "type": "invalid_request_error",
            "param": None,
            "code": code,
        }
    }
    return Response(status, json=body, headers=headers)


@define
class Service:
    """A scripted service: handlers per (method, path), every request recorded."""

    routes: dict[tuple[str, str], Callable[[Request], Response]] = field(factory=dict)
    seen: list[Request] = field(factory=list)

    def __call__(self, request: Request) -> Response:
        self.seen.append(request)
        route = self.routes.get((request.method, request.url.path))
        if route is None:
            return _error(404, f"no route {request.method} {request.url.path}")
        return route(request)

    def on(
        self,
        method: str,
        path: str,
        *responses: Response | Callable[[Request], Response],
    ) -> None:
        queue = list(responses)

        def answer(request: Request) -> Response:
            item = queue.pop(0) if len(queue) > 1 else queue[0]
            return item(request) if callable(item) else item

        self.routes[(method, "/v1" + path)] = answer

    def count(self, method: str, path: str) -> int:
        return sum(1 for r in self.seen if r.method == method and r.url.path == "/v1" + path)


@pytest.fixture(name="service")
def _service() -> Service:
    return Service()


@pytest.fixture(name="clock")
def _clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture(name="make_tuner")
def _make_tuner(
    service: Service, clock: FakeClock, tmp_path: Path
) -> Callable[..., OpenAIFineTuner]:
    def make(**options: Any) -> OpenAIFineTuner:
        values: dict[str, Any] = {
            "client": mock_openai(service),
            "model": "gpt-4o-mini",
            "clock": clock,
            "sleep": clock.sleep,
            "validate": validate,
            "estimate": estimate,
            "state_path": tmp_path / "state.json",
            "poll_interval": 2.0,
            "max_poll_interval": 10.0,
            "backoff": 2.0,
        }
        values.update(options)
        return OpenAIFineTuner(**values)

    return make


class TestPrepare:
    def test_plan_from_validation_and_estimate(
        self, make_tuner: Callable[..., OpenAIFineTuner], tmp_path: Path
    ) -> None:
        """The plan has the validator's counts and the estimator's epochs and price."""
        data = write_dataset(tmp_path / "train.jsonl", 20)

        plan = make_tuner(hyperparameters=Hyperparameters(n_epochs=2)).prepare(data)

        assert (20, 200, 2) == (plan.examples, plan.trained_tokens, plan.epochs)
        assert pytest.approx(200 * 2 * 3e-6) == plan.estimated_cost_usd

    def test_problems_raise_dataset_error(
        self, make_tuner: Callable[..., OpenAIFineTuner], tmp_path: Path
    ) -> None:
        """Problems in the training or validation file are raised as a DatasetError."""
        data = write_dataset(tmp_path / "train.jsonl", 12)
        bad = tmp_path / "valid.jsonl"
        bad.write_text("oops\n", encoding="utf-8")

        with pytest.raises(DatasetError) as caught:
            make_tuner().prepare(data, validation_file=bad)

        assert [f"{bad}:1: not a JSON object"] == list(caught.value.problems)

    def test_warns_near_shutdown(
        self,
        make_tuner: Callable[..., OpenAIFineTuner],
        clock: FakeClock,
        tmp_path: Path,
    ) -> None:
        """A model retired within weeks gets a warning in the plan."""
        clock.current = pendulum.datetime(2026, 12, 20, tz="UTC")

        plan = make_tuner().prepare(write_dataset(tmp_path / "t.jsonl"))

        assert any("2027-01-14" in w for w in plan.warnings)
        assert any("2027-01-06" in w for w in plan.warnings)

    def test_unknown_price_is_a_warning(
        self, make_tuner: Callable[..., OpenAIFineTuner], tmp_path: Path
    ) -> None:
        """A model without a known price gets a plan with a warning, not a cost."""

        def no_price(**_: Any) -> Any:
            return type("E", (), {"epochs": 3, "usd": None})()

        plan = make_tuner(estimate=no_price).prepare(write_dataset(tmp_path / "t.jsonl"))

        assert None is plan.estimated_cost_usd
        assert any("no price is known" in w for w in plan.warnings)

    def test_model_is_required(
        self, make_tuner: Callable[..., OpenAIFineTuner], tmp_path: Path
    ) -> None:
        """Preparing without a model is a configuration error."""
        with pytest.raises(ConfigError):
            make_tuner(model="").prepare(write_dataset(tmp_path / "t.jsonl"))


class TestCostGuard:
    def test_over_limit_is_refused(
        self,
        make_tuner: Callable[..., OpenAIFineTuner],
        service: Service,
        tmp_path: Path,
    ) -> None:
        """A plan above max_cost_usd is refused before anything is uploaded."""
        tuner = make_tuner(max_cost_usd=0.0001)
        plan = tuner.prepare(write_dataset(tmp_path / "t.jsonl", 100))

        with pytest.raises(FineTuneError) as caught:
            tuner.start(plan)

        assert "cost_over_limit" == caught.value.code
        assert [] == service.seen

    def test_confirm_overrides_the_limit(self, make_tuner: Callable[..., OpenAIFineTuner]) -> None:
        """Confirming lets a plan above the limit through the check."""
        tuner = make_tuner(max_cost_usd=0.0)
        plan = _plan(cost=5.0)

        tuner.check_cost(plan, confirm=True)

    def test_unknown_cost_needs_confirmation(
        self, make_tuner: Callable[..., OpenAIFineTuner]
    ) -> None:
        """With a limit set, a plan of unknown cost is refused unless confirmed."""
        with pytest.raises(FineTuneError, match="unknown"):
            make_tuner(max_cost_usd=10.0).check_cost(_plan(cost=None))


def _plan(cost: float | None) -> Any:
    from persona_clone.finetune import TuningPlan  # noqa: PLC0415

    return TuningPlan(
        training_file=Path("t.jsonl"),
        model="m",
        examples=1,
        trained_tokens=1,
        epochs=1,
        estimated_cost_usd=cost,
    )


def _upload_ok(request: Request) -> Response:
    return Response(200, json=_file(status="uploaded"))


class TestStart:
    def test_create_request(
        self,
        make_tuner: Callable[..., OpenAIFineTuner],
        service: Service,
        tmp_path: Path,
    ) -> None:
        """The job gets model, files, suffix, seed, metadata and the method settings."""
        service.on("GET", "/files", Response(200, json=_EMPTY_LIST))
        service.on(
            "POST",
            "/files",
            Response(200, json=_file("file-t", status="uploaded")),
            Response(200, json=_file("file-v")),
        )
        service.on("GET", "/files/file-t", Response(200, json=_file("file-t")))
        service.on("GET", "/fine_tuning/jobs", Response(200, json=_EMPTY_LIST))
        service.on("POST", "/fine_tuning/jobs", Response(200, json=_job("validating_files")))
        tuner = make_tuner(
            suffix="ali",
            seed=7,
            metadata={"persona": "ali"},
            hyperparameters=Hyperparameters(
                n_epochs=3, batch_size="auto", learning_rate_multiplier=0.5
            ),
        )
        plan = tuner.prepare(
            write_dataset(tmp_path / "t.jsonl"),
            validation_file=write_dataset(tmp_path / "v.jsonl", 3),
        )

        job_id = tuner.start(plan)

        body = json.loads(
            next(
                r for r in service.seen if r.method == "POST" and r.url.path.endswith("/jobs")
            ).content
        )
        assert "ftjob-1" == job_id
        assert {
            "model": "gpt-4o-mini",
            "training_file": "file-t",
            "validation_file": "file-v",
            "suffix": "ali",
            "seed": 7,
            "metadata": {"persona": "ali", "persona_clone_run": tuner.state.attempt},
            "method": {
                "type": "supervised",
                "supervised": {
                    "hyperparameters": {
                        "n_epochs": 3,
                        "batch_size": "auto",
                        "learning_rate_multiplier": 0.5,
                    }
                },
            },
        } == body

    def test_upload_name_and_content(
        self,
        make_tuner: Callable[..., OpenAIFineTuner],
        service: Service,
        tmp_path: Path,
    ) -> None:
        """The upload is multipart, purpose fine-tune, named .jsonl with the hash."""
        service.on("GET", "/files", Response(200, json=_EMPTY_LIST))
        service.on("POST", "/files", Response(200, json=_file()))
        data = write_dataset(tmp_path / "train.jsonl")

        make_tuner().upload(data)

        sent = next(r for r in service.seen if r.method == "POST").content
        assert b'name="purpose"\r\n\r\nfine-tune' in sent
        assert b'filename="train.' in sent
        assert b'.jsonl"' in sent
        assert data.read_bytes() in sent

    def test_identical_upload_is_reused_from_state(
        self,
        make_tuner: Callable[..., OpenAIFineTuner],
        service: Service,
        tmp_path: Path,
    ) -> None:
        """Bytes uploaded before (in the state file) are not uploaded again."""
        service.on("GET", "/files", Response(200, json=_EMPTY_LIST))
        service.on("POST", "/files", Response(200, json=_file("file-9")))
        service.on("GET", "/files/file-9", Response(200, json=_file("file-9")))
        data = write_dataset(tmp_path / "train.jsonl")
        make_tuner().upload(data)

        again = make_tuner().upload(data)

        assert ("file-9", 1) == (again, service.count("POST", "/files"))

    def test_identical_upload_is_found_without_state(
        self,
        make_tuner: Callable[..., OpenAIFineTuner],
        service: Service,
        tmp_path: Path,
    ) -> None:
        """Without state, an upload of the same hashed name and size is listed."""
        data = write_dataset(tmp_path / "train.jsonl")
        tuner = make_tuner(state_path=None)
        name = f"train.{hashlib.sha256(data.read_bytes()).hexdigest()[:12]}.jsonl"
        listed = _file("file-old", filename=name, bytes=data.stat().st_size)
        service.on(
            "GET",
            "/files",
            Response(200, json={"object": "list", "data": [listed], "has_more": False}),
        )

        found = tuner.upload(data)

        assert ("file-old", 0) == (found, service.count("POST", "/files"))

    def test_waits_until_processed(
        self,
        make_tuner: Callable[..., OpenAIFineTuner],
        service: Service,
        clock: FakeClock,
        tmp_path: Path,
    ) -> None:
        """An upload is polled through the injected sleep until it is processed."""
        service.on("GET", "/files", Response(200, json=_EMPTY_LIST))
        service.on("POST", "/files", Response(200, json=_file(status="uploaded")))
        service.on(
            "GET",
            "/files/file-1",
            Response(200, json=_file(status="uploaded")),
            Response(200, json=_file(status="processed")),
        )

        make_tuner().upload(write_dataset(tmp_path / "t.jsonl"))

        assert [2.0, 4.0] == clock.sleeps

    def test_rejected_file_gives_the_service_message(
        self,
        make_tuner: Callable[..., OpenAIFineTuner],
        service: Service,
        tmp_path: Path,
    ) -> None:
        """A file the service marks as error raises FineTuneError with the details."""
        service.on("GET", "/files", Response(200, json=_EMPTY_LIST))
        service.on("POST", "/files", Response(200, json=_file(status="uploaded")))
        service.on(
            "GET",
            "/files/file-1",
            Response(
                200,
                json=_file(status="error", status_details="Line 3 is not a dictionary"),
            ),
        )

        with pytest.raises(FineTuneError, match="Line 3 is not a dictionary") as caught:
            make_tuner().upload(write_dataset(tmp_path / "t.jsonl"))

        assert "file_rejected" == caught.value.code

    def test_bad_request_keeps_the_cause(
        self,
        make_tuner: Callable[..., OpenAIFineTuner],
        service: Service,
        tmp_path: Path,
    ) -> None:
        """A 400 on create is a FineTuneError with its message, code and cause."""
        service.on("GET", "/files", Response(200, json=_EMPTY_LIST))
        service.on("POST", "/files", Response(200, json=_file()))
        service.on("GET", "/fine_tuning/jobs", Response(200, json=_EMPTY_LIST))
        service.on(
            "POST",
            "/fine_tuning/jobs",
            _error(400, "Model x is not available for fine-tuning", "model_not_available"),
        )
        tuner = make_tuner()

        with pytest.raises(FineTuneError) as caught:
            tuner.start(tuner.prepare(write_dataset(tmp_path / "t.jsonl")))

        assert "model_not_available" == caught.value.code
        assert (
            "creating the fine-tuning job: Model x is not available for fine-tuning"
            == caught.value.message
        )
        assert isinstance(caught.value.__cause__, openai.BadRequestError)

    def test_lost_create_answer_finds_the_job(
        self,
        make_tuner: Callable[..., OpenAIFineTuner],
        service: Service,
        clock: FakeClock,
        tmp_path: Path,
    ) -> None:
        """After a 503 on create, the job it made is found by metadata, not remade."""
        tuner = make_tuner()
        created: list[dict[str, Any]] = []

        def create(request: Request) -> Response:
            body = json.loads(request.content)
            created.append(_job("validating_files", metadata=body["metadata"]))
            return _error(503, "overloaded", **{"retry-after": "3"})

        def listing(request: Request) -> Response:
            return Response(200, json={"object": "list", "data": created, "has_more": False})

        service.on("GET", "/files", Response(200, json=_EMPTY_LIST))
        service.on("POST", "/files", Response(200, json=_file()))
        service.on("GET", "/fine_tuning/jobs", listing)
        service.on("POST", "/fine_tuning/jobs", create)

        job_id = tuner.start(tuner.prepare(write_dataset(tmp_path / "t.jsonl")))

        assert ("ftjob-1", 1, [3.0]) == (
            job_id,
            service.count("POST", "/fine_tuning/jobs"),
            clock.sleeps,
        )

    def test_rate_limit_gives_up_after_retries(
        self,
        make_tuner: Callable[..., OpenAIFineTuner],
        service: Service,
        clock: FakeClock,
    ) -> None:
        """A request rate limited after all retries raises, waiting as told."""
        service.on(
            "GET",
            "/fine_tuning/jobs/ftjob-1",
            _error(
                429,
                "Rate limit reached",
                "rate_limit_exceeded",
                **{"retry-after-ms": "250"},
            ),
        )

        with pytest.raises(FineTuneError, match="still rate limited") as caught:
            make_tuner(retries=2).job("ftjob-1")

        assert ([0.25, 0.25], "rate_limit_exceeded") == (
            clock.sleeps,
            caught.value.code,
        )
        assert isinstance(caught.value.__cause__, openai.RateLimitError)

    def test_long_retry_after_is_capped(
        self,
        make_tuner: Callable[..., OpenAIFineTuner],
        service: Service,
        clock: FakeClock,
    ) -> None:
        """A retry-after of five minutes is waited out a minute at a time."""
        service.on(
            "GET",
            "/fine_tuning/jobs/ftjob-1",
            _error(429, "Slow down", "rate_limit_exceeded", **{"retry-after": "300"}),
            Response(200, json=_job("running")),
        )

        info = make_tuner().job("ftjob-1")

        assert ("running", [60.0]) == (info.status, clock.sleeps)

    def test_insufficient_quota_is_not_retried(
        self,
        make_tuner: Callable[..., OpenAIFineTuner],
        service: Service,
        clock: FakeClock,
    ) -> None:
        """A quota error is raised at once: waiting does not fix billing."""
        service.on(
            "GET",
            "/fine_tuning/jobs/ftjob-1",
            _error(429, "You exceeded your quota", "insufficient_quota"),
        )

        with pytest.raises(FineTuneError):
            make_tuner().job("ftjob-1")

        assert [] == clock.sleeps


class TestFollow:
    def test_events_reported_once_in_order(
        self, make_tuner: Callable[..., OpenAIFineTuner], service: Service
    ) -> None:
        """Events after the last seen one are reported oldest first, each once."""
        pages = [
            {"data": [_event(2), _event(1)], "has_more": False},
            {"data": [_event(4), _event(3)], "has_more": True},
            {"data": [_event(2), _event(1)], "has_more": False},
            {"data": [_event(5), _event(4)], "has_more": True},
        ]

        def events(request: Request) -> Response:
            page = pages.pop(0)
            return Response(200, json={"object": "list", **page})

        service.on(
            "GET",
            "/fine_tuning/jobs/ftjob-1",
            Response(200, json=_job("running")),
            Response(200, json=_job("running")),
            Response(
                200,
                json=_job("succeeded", fine_tuned_model="ft:gpt-4o-mini-2024-07-18:org::abc"),
            ),
        )
        service.on("GET", "/fine_tuning/jobs/ftjob-1/events", events)
        service.on("GET", "/fine_tuning/jobs/ftjob-1/checkpoints", Response(200, json=_EMPTY_LIST))
        seen: list[Progress] = []

        result = make_tuner(event_page_size=2).follow("ftjob-1", on_progress=seen.append)

        assert [
            "status: running",
            "event 1",
            "event 2",
            "event 3",
            "event 4",
            "status: succeeded",
            "event 5",
        ] == [p.message for p in seen]
        assert ("ft:gpt-4o-mini-2024-07-18:org::abc", JobStatus.SUCCEEDED) == (
            result.model,
            result.status,
        )

    def test_back_off_while_nothing_changes(
        self,
        make_tuner: Callable[..., OpenAIFineTuner],
        service: Service,
        clock: FakeClock,
    ) -> None:
        """The wait grows by the back-off factor up to its maximum, reset on change."""
        statuses = ["queued"] * 5 + ["running", "running", "cancelled"]
        service.on(
            "GET",
            "/fine_tuning/jobs/ftjob-1",
            *[Response(200, json=_job(s)) for s in statuses],
        )
        service.on("GET", "/fine_tuning/jobs/ftjob-1/events", Response(200, json=_EMPTY_LIST))

        make_tuner().follow("ftjob-1")

        assert [2.0, 4.0, 8.0, 10.0, 10.0, 2.0, 4.0] == clock.sleeps

    def test_failed_job_gives_its_error(
        self, make_tuner: Callable[..., OpenAIFineTuner], service: Service
    ) -> None:
        """A failed job ends the follow with its error code and message."""
        error = {
            "code": "invalid_n_examples",
            "message": "Training file has 7 example(s), but must have at least 10",
            "param": "training_file",
        }
        service.on(
            "GET",
            "/fine_tuning/jobs/ftjob-1",
            Response(200, json=_job("failed", error=error)),
        )
        service.on("GET", "/fine_tuning/jobs/ftjob-1/events", Response(200, json=_EMPTY_LIST))

        result = make_tuner().follow("ftjob-1")

        assert (JobStatus.FAILED, "invalid_n_examples", error["message"]) == (
            result.status,
            result.error_code,
            result.error_message,
        )

    def test_unknown_status_counts_as_running(
        self, make_tuner: Callable[..., OpenAIFineTuner], service: Service
    ) -> None:
        """An unknown status word is reported and followed as still going."""
        service.on(
            "GET",
            "/fine_tuning/jobs/ftjob-1",
            Response(200, json=_job("migrating")),
            Response(200, json=_job("cancelled")),
        )
        service.on("GET", "/fine_tuning/jobs/ftjob-1/events", Response(200, json=_EMPTY_LIST))
        seen: list[Progress] = []

        make_tuner().follow("ftjob-1", on_progress=seen.append)

        assert [
            ("status: migrating", JobStatus.RUNNING),
            ("status: cancelled", JobStatus.CANCELLED),
        ] == [(p.message, p.status) for p in seen]

    def test_service_without_checkpoints(
        self, make_tuner: Callable[..., OpenAIFineTuner], service: Service
    ) -> None:
        """A compatible service that lists no checkpoints still ends the follow."""
        done = _job("succeeded", fine_tuned_model="ft:m:o::x")
        service.on("GET", "/fine_tuning/jobs/ftjob-1", Response(200, json=done))
        service.on("GET", "/fine_tuning/jobs/ftjob-1/events", Response(200, json=_EMPTY_LIST))

        result = make_tuner().follow("ftjob-1", on_progress=lambda _: None)

        assert "ft:m:o::x" == result.model

    def test_metrics_events_carry_numbers(
        self, make_tuner: Callable[..., OpenAIFineTuner], service: Service
    ) -> None:
        """A metrics event's step, total steps and losses reach the Progress."""
        metrics = _event(
            1,
            "Step 5/10: training loss=0.5",
            type="metrics",
            data={"step": 5, "total_steps": 10, "train_loss": 0.5},
        )
        service.on("GET", "/fine_tuning/jobs/ftjob-1", Response(200, json=_job("cancelled")))
        service.on(
            "GET",
            "/fine_tuning/jobs/ftjob-1/events",
            Response(200, json={"object": "list", "data": [metrics], "has_more": False}),
        )
        seen: list[Progress] = []

        make_tuner().follow("ftjob-1", on_progress=seen.append)

        assert (5, 10, {"train_loss": 0.5}) == (
            seen[-1].step,
            seen[-1].total_steps,
            dict(seen[-1].metrics),
        )


class TestSecrets:
    def test_from_env_needs_a_key(self) -> None:
        """Without OPENAI_API_KEY, from_env raises a ConfigError naming the variable."""
        with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
            OpenAIFineTuner.from_env(env={}, model="gpt-4o-mini")

    def test_key_not_in_repr_or_state(self, tmp_path: Path) -> None:
        """The key appears neither in the tuner's repr nor in its saved state."""
        state = tmp_path / "s.json"
        tuner = OpenAIFineTuner.from_env(
            env={"OPENAI_API_KEY": "sk-very-secret"}, model="m", state_path=state
        )
        tuner._save(tuner.state)

        assert "sk-very-secret" not in repr(tuner)
        assert "sk-very-secret" not in state.read_text(encoding="utf-8")

    def test_client_settings_come_from_env(self) -> None:
        """Base URL and retry settings are set from the environment and arguments."""
        tuner = OpenAIFineTuner.from_env(
            env={"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"},
            max_retries=4,
            model="m",
        )

        assert ("http://127.0.0.1:9/v1/", 4) == (
            str(tuner.client.base_url),
            tuner.client.max_retries,
        )

    def test_refused_key_error_has_no_key(
        self, make_tuner: Callable[..., OpenAIFineTuner], service: Service
    ) -> None:
        """A 401 is a FineTuneError naming the variable, not the echoed key."""
        service.on(
            "GET",
            "/fine_tuning/jobs/ftjob-1",
            _error(401, "Incorrect API key provided: sk-test-secret", "invalid_api_key"),
        )

        with pytest.raises(FineTuneError) as caught:
            make_tuner().job("ftjob-1")

        assert "sk-test-secret" not in str(caught.value)
        assert "OPENAI_API_KEY" in str(caught.value)

    def test_error_pickles(self) -> None:
        """FineTuneError survives pickling with its code (multiprocessing, xdist)."""
        error = FineTuneError("job failed", "invalid_n_examples")

        copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object

        assert (error.message, error.code) == (copy.message, copy.code)


class TestManage:
    def test_cancel_after_lost_answer(
        self, make_tuner: Callable[..., OpenAIFineTuner], service: Service
    ) -> None:
        """A cancel whose answer was lost is accepted when the job is cancelled."""
        service.on("POST", "/fine_tuning/jobs/ftjob-1/cancel", _error(502, "bad gateway"))
        service.on("GET", "/fine_tuning/jobs/ftjob-1", Response(200, json=_job("cancelled")))

        info = make_tuner().cancel("ftjob-1")

        assert ("cancelled", 1) == (
            info.status,
            service.count("POST", "/fine_tuning/jobs/ftjob-1/cancel"),
        )

    def test_checkpoints_in_step_order(
        self, make_tuner: Callable[..., OpenAIFineTuner], service: Service
    ) -> None:
        """Checkpoints come back in step order with the metrics the service gave."""

        def checkpoint(step: int) -> dict[str, Any]:
            return {
                "object": "fine_tuning.job.checkpoint",
                "id": f"ftckpt_{step}",
                "created_at": 1,
                "fine_tuned_model_checkpoint": f"ft:m:o::x:ckpt-step-{step}",
                "fine_tuning_job_id": "ftjob-1",
                "metrics": {"step": step, "train_loss": 1 / step},
                "step_number": step,
            }

        service.on(
            "GET",
            "/fine_tuning/jobs/ftjob-1/checkpoints",
            Response(
                200,
                json={
                    "object": "list",
                    "data": [checkpoint(20), checkpoint(10)],
                    "has_more": False,
                },
            ),
        )

        found = make_tuner().checkpoints("ftjob-1")

        assert [
            (10, {"step": 10.0, "train_loss": 0.1}),
            (20, {"step": 20.0, "train_loss": 0.05}),
        ] == [(c.step, dict(c.metrics)) for c in found]


class TestProtocol:
    def test_is_a_fine_tuner(self, make_tuner: Callable[..., OpenAIFineTuner]) -> None:
        """OpenAIFineTuner implements the FineTuner protocol."""
        assert isinstance(make_tuner(), FineTuner)


class TestHyperparameters:
    @pytest.mark.parametrize(
        "values",
        [
            {"n_epochs": 0},
            {"n_epochs": 51},
            {"batch_size": 257},
            {"learning_rate_multiplier": 0},
            {"n_epochs": True},
        ],
    )
    def test_out_of_range_is_refused(self, values: dict[str, Any]) -> None:
        """Values outside the service's domains are a ConfigError naming the field."""
        with pytest.raises(ConfigError, match=next(iter(values))):
            Hyperparameters(**values)


class TestStateResume:
    def test_start_twice_creates_one_job(
        self,
        make_tuner: Callable[..., OpenAIFineTuner],
        service: Service,
        tmp_path: Path,
    ) -> None:
        """Starting the same plan again returns the recorded job without any request."""
        service.on("GET", "/files", Response(200, json=_EMPTY_LIST))
        service.on("POST", "/files", Response(200, json=_file()))
        service.on("GET", "/fine_tuning/jobs", Response(200, json=_EMPTY_LIST))
        service.on("POST", "/fine_tuning/jobs", Response(200, json=_job("validating_files")))
        data = write_dataset(tmp_path / "t.jsonl")
        first = make_tuner()
        first.start(first.prepare(data))
        requests = len(service.seen)
        second = make_tuner()

        job_id = second.start(second.prepare(data))

        assert ("ftjob-1", requests) == (job_id, len(service.seen))
        assert "ftjob-1" == StateFile(path=tmp_path / "state.json").load().job_id

    def test_replacing_a_running_job_warns(
        self,
        make_tuner: Callable[..., OpenAIFineTuner],
        service: Service,
        tmp_path: Path,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """Starting other inputs over a job that may still run warns, naming it."""
        service.on("GET", "/files", Response(200, json=_EMPTY_LIST))
        service.on("POST", "/files", Response(200, json=_file()))
        service.on("GET", "/fine_tuning/jobs", Response(200, json=_EMPTY_LIST))
        service.on("POST", "/fine_tuning/jobs", Response(200, json=_job("queued")))
        tuner = make_tuner()
        tuner._save(tuner.state.__class__(run_key="old", job_id="ftjob-0", status="running"))

        tuner.start(tuner.prepare(write_dataset(tmp_path / "t.jsonl")))

        warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
        assert 1 == len(warnings)
        assert "ftjob-0" in warnings[0]

    def test_changed_options_start_a_new_run(
        self, make_tuner: Callable[..., OpenAIFineTuner], tmp_path: Path
    ) -> None:
        """Another suffix is another run: the recorded job is not resumed for it."""
        data = write_dataset(tmp_path / "t.jsonl")
        tuner = make_tuner()
        plan = tuner.prepare(data)
        tuner._save(
            tuner.state.__class__(run_key=tuner.run_key(plan), job_id="ftjob-1", status="running")
        )

        assert "ftjob-1" == make_tuner().recorded_job(plan)
        assert None is make_tuner(suffix="other").recorded_job(plan)

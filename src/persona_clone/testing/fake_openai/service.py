"""
The fake service's state: files, fine-tuning jobs and their scripted lifecycle.

Everything here is plain data behind one lock; `server.py` turns HTTP requests
into calls of `FakeService` and its results into responses.
"""

from __future__ import annotations

import random
import string
import threading
from collections.abc import Mapping
from typing import Any

from attrs import define, field, frozen

from persona_clone.clock import Clock, SystemClock
from persona_clone.dataset.validation import LEGACY_MODELS

from .errors import ApiError
from .params import (
    check_metadata,
    check_method,
    check_seed,
    check_suffix,
    default_epochs,
    page,
    read_limit,
)
from .training_files import check_training_file


__all__ = ["BASE_MODELS", "FakeService", "JobFailure", "StoredFile"]

BASE_MODELS: Mapping[str, str] = {
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "gpt-4o-mini-2024-07-18": "gpt-4o-mini-2024-07-18",
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4o-2024-08-06": "gpt-4o-2024-08-06",
    "gpt-4.1": "gpt-4.1-2025-04-14",
    "gpt-4.1-2025-04-14": "gpt-4.1-2025-04-14",
    "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-mini-2025-04-14": "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano": "gpt-4.1-nano-2025-04-14",
    "gpt-4.1-nano-2025-04-14": "gpt-4.1-nano-2025-04-14",
    "gpt-3.5-turbo": "gpt-3.5-turbo-0125",
    "gpt-3.5-turbo-0125": "gpt-3.5-turbo-0125",
    "gpt-3.5-turbo-1106": "gpt-3.5-turbo-1106",
    "babbage-002": "babbage-002",
    "davinci-002": "davinci-002",
}
"""Fine-tunable base models the fake knows: requested name -> resolved snapshot."""

UPLOAD_PURPOSES = frozenset({"assistants", "batch", "fine-tune", "vision", "user_data", "evals"})
MAX_UPLOAD_BYTES = 512 * 1024 * 1024
FINAL = frozenset({"succeeded", "failed", "cancelled"})
_NULL_ERROR: Mapping[str, None] = {"code": None, "message": None, "param": None}
_ALPHABET = string.ascii_letters + string.digits


@frozen(kw_only=True)
class JobFailure:
    """
    A scripted failure for the next job created (the service's, not a file problem).

    Args:
        code: The job's ``error.code``.
        message: The job's ``error.message``.
        param: The job's ``error.param``.
        at: The status in which the job fails: ``"validating_files"``, ``"queued"``
            or ``"running"``.
    """

    code: str = "server_error"
    message: str = "The job failed due to an internal error."
    param: str | None = None
    at: str = "running"


@define(kw_only=True)
class StoredFile:
    """An uploaded (or generated) file: its File object and its bytes."""

    data: dict[str, Any]
    content: bytes = field(repr=False)
    polls: int = 0
    problem: str | None = None


@define(kw_only=True)
class _Job:
    data: dict[str, Any]
    events: list[dict[str, Any]] = field(factory=list)
    checkpoints: list[dict[str, Any]] = field(factory=list)
    polls: int = 0
    epochs_done: int = 0
    examples: int = 0
    billed_tokens: int = 0
    failure: JobFailure | None = None
    last_step_at: float = 0.0
    name: str | None = None


@define(kw_only=True)
class FakeService:
    """
    The fake's data and lifecycle; thread-safe, no HTTP in here.

    Args:
        clock: Gives timestamps (and time-driven steps when *step_seconds* is set).
        advance_every: Advance a job one step every this many times it is retrieved
            (``None``: only `advance` and *step_seconds* move jobs).
        step_seconds: Also advance every job one step per this many seconds of *clock*.
        file_polls: Retrievals a fine-tune upload stays ``uploaded`` before it is
            ``processed`` (or ``error``).
        organization: The org slug used in fine-tuned model names.
        seed: Seeds the random ids, so runs are repeatable.
    """

    clock: Clock = field(factory=SystemClock)
    advance_every: int | None = 1
    step_seconds: float | None = None
    file_polls: int = 1
    organization: str = "fake-org"
    seed: int = 0
    lock: threading.RLock = field(factory=threading.RLock, init=False, repr=False)
    files: dict[str, StoredFile] = field(factory=dict, init=False, repr=False)
    jobs: dict[str, _Job] = field(factory=dict, init=False, repr=False)
    models: dict[str, str] = field(factory=dict, init=False)
    failures: list[JobFailure] = field(factory=list, init=False)
    _random: random.Random = field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        self._random = random.Random(self.seed)  # noqa: S311 - ids, not secrets

    # --- helpers ---------------------------------------------------------------

    def _id(self, prefix: str, length: int = 24) -> str:
        return prefix + "".join(self._random.choice(_ALPHABET) for _ in range(length))

    def _now(self) -> int:
        return int(self.clock.now().timestamp())

    def _event(
        self,
        job: _Job,
        message: str,
        *,
        level: str = "info",
        kind: str = "message",
        data: dict[str, Any] | None = None,
    ) -> None:
        job.events.insert(
            0,
            {
                "object": "fine_tuning.job.event",
                "id": self._id("ftevent-"),
                "created_at": self._now(),
                "level": level,
                "message": message,
                "type": kind,
                "data": data if data is not None else {},
            },
        )

    # --- files -----------------------------------------------------------------

    def upload(self, *, filename: str, content: bytes, purpose: str) -> dict[str, Any]:
        """Store an upload and return its File object."""
        if purpose not in UPLOAD_PURPOSES:
            raise ApiError.bad_request(
                f"Invalid value for 'purpose': {purpose!r}.", param="purpose"
            )
        if len(content) > MAX_UPLOAD_BYTES:
            raise ApiError.bad_request("File is larger than the 512 MB limit.", param="file")
        if purpose == "fine-tune" and not filename.endswith(".jsonl"):
            raise ApiError.bad_request(
                f"Invalid file format for Fine-Tuning API. Must be .jsonl, got {filename!r}.",
                param="file",
            )
        problem = None
        if purpose == "fine-tune":
            check = check_training_file(content, model="gpt-4o-mini", minimum=0)
            if not check.is_jsonl:
                problem = (
                    "Expected file to have JSONL format, where every line is a valid "
                    "JSON "
                    "dictionary."
                )
        with self.lock:
            data = {
                "id": self._id("file-"),
                "object": "file",
                "bytes": len(content),
                "created_at": self._now(),
                "filename": filename,
                "purpose": purpose,
                "status": "uploaded" if purpose == "fine-tune" else "processed",
                "expires_at": None,
                "status_details": None,
            }
            stored = StoredFile(data=data, content=content, problem=problem)
            if self.file_polls <= 0:
                self._finish_processing(stored)
            self.files[stored.data["id"]] = stored
            return self._render_file(stored)

    @staticmethod
    def _finish_processing(stored: StoredFile) -> None:
        if stored.data["status"] == "uploaded":
            stored.data["status"] = "error" if stored.problem else "processed"
            stored.data["status_details"] = stored.problem

    @staticmethod
    def _render_file(stored: StoredFile) -> dict[str, Any]:
        """The File object; the spec says optional fields are non-null: omit nulls."""
        return {
            k: v
            for k, v in stored.data.items()
            if v is not None or k not in ("expires_at", "status_details")
        }

    def _file(self, file_id: str) -> StoredFile:
        stored = self.files.get(file_id)
        if stored is None:
            raise ApiError.not_found(f"No such File object: {file_id}", param="id")
        return stored

    def retrieve_file(self, file_id: str) -> dict[str, Any]:
        """Return a File object; each retrieval moves processing along."""
        with self.lock:
            stored = self._file(file_id)
            stored.polls += 1
            if stored.polls >= self.file_polls:
                self._finish_processing(stored)
            return self._render_file(stored)

    def file_content(self, file_id: str) -> bytes:
        """Return a file's bytes."""
        with self.lock:
            return self._file(file_id).content

    def delete_file(self, file_id: str) -> dict[str, Any]:
        """Delete a file."""
        with self.lock:
            self._file(file_id)
            del self.files[file_id]
            return {"id": file_id, "object": "file", "deleted": True}

    def list_files(self, query: Mapping[str, str]) -> dict[str, Any]:
        """List files (``purpose``, ``order``, ``after``, ``limit``)."""
        order = query.get("order", "desc")
        if order not in ("asc", "desc"):
            raise ApiError.bad_request(f"Invalid 'order': {order!r}.", param="order")
        limit = read_limit(query, 10_000)
        with self.lock:
            items = [self._render_file(f) for f in self.files.values()]
        if "purpose" in query:
            items = [f for f in items if f["purpose"] == query["purpose"]]
        if order == "desc":
            items.reverse()
        return page(items, after=query.get("after"), limit=limit, ids=True)

    # --- jobs: creation ----------------------------------------------------------

    def _check_file_ref(self, body: Mapping[str, Any], param: str) -> StoredFile | None:
        file_id = body.get(param)
        if file_id is None and param == "validation_file":
            return None
        if not isinstance(file_id, str):
            raise ApiError.bad_request(f"Missing required parameter: '{param}'.", param=param)
        stored = self.files.get(file_id)
        if stored is None or stored.data["purpose"] != "fine-tune":
            raise ApiError.bad_request(f"invalid {param}: {file_id}", param=param)
        if stored.data["status"] != "processed":
            raise ApiError.bad_request(
                f"File {file_id} is not ready: its status is {stored.data['status']!r}.",
                param=param,
            )
        return stored

    def _resolve_model(self, model: Any) -> str:
        if not isinstance(model, str) or not model:
            raise ApiError.bad_request("Missing required parameter: 'model'.", param="model")
        if model in BASE_MODELS:
            return BASE_MODELS[model]
        if model in self.models:
            return model
        raise ApiError.bad_request(
            f"Model {model} is not available for fine-tuning or does not exist.",
            param="model",
            code="model_not_available",
        )

    def create_job(self, body: Any) -> dict[str, Any]:
        """Check a create request synchronously and return the new job."""
        if not isinstance(body, dict):
            raise ApiError.bad_request("The request body must be a JSON object.")
        with self.lock:
            model = self._resolve_model(body.get("model"))
            training = self._check_file_ref(body, "training_file")
            validation = self._check_file_ref(body, "validation_file")
            suffix = check_suffix(body.get("suffix"))
            seed = check_seed(body.get("seed"))
            check_metadata(body.get("metadata"))
            kind, hyper = check_method(body)
            hyperparameters = {
                "n_epochs": hyper.get("n_epochs", "auto"),
                "batch_size": hyper.get("batch_size", "auto"),
                "learning_rate_multiplier": hyper.get("learning_rate_multiplier", "auto"),
            }
            assert training is not None  # noqa: S101 - _check_file_ref raises for a missing one
            data: dict[str, Any] = {
                "object": "fine_tuning.job",
                "id": self._id("ftjob-"),
                "model": model,
                "created_at": self._now(),
                "finished_at": None,
                "fine_tuned_model": None,
                "organization_id": f"org-{self.organization}",
                "result_files": [],
                "status": "validating_files",
                "validation_file": validation.data["id"] if validation else None,
                "training_file": training.data["id"],
                "hyperparameters": hyperparameters,
                "method": {
                    "type": kind,
                    kind: {"hyperparameters": dict(hyperparameters)},
                },
                "trained_tokens": None,
                "error": dict(_NULL_ERROR),
                "seed": seed if seed is not None else self._random.randrange(2**31),
                "estimated_finish": None,
                "integrations": body.get("integrations") or [],
                "metadata": body.get("metadata"),
                "user_provided_suffix": suffix,
            }
            job = _Job(
                data=data,
                failure=self.failures.pop(0) if self.failures else None,
                last_step_at=self.clock.now().timestamp(),
            )
            self.jobs[data["id"]] = job
            self._event(job, f"Created fine-tuning job: {data['id']}")
            self._event(job, f"Validating training file: {data['training_file']}")
            if validation is not None:
                self._event(job, f"Validating validation file: {data['validation_file']}")
            return self._render(job)

    # --- jobs: lifecycle -------------------------------------------------------

    @staticmethod
    def _render(job: _Job) -> dict[str, Any]:
        data = dict(job.data)
        data["hyperparameters"] = dict(data["hyperparameters"])
        return data

    def _fail(self, job: _Job, code: str, message: str, param: str | None) -> None:
        job.data["status"] = "failed"
        job.data["error"] = {"code": code, "message": message, "param": param}
        job.data["estimated_finish"] = None
        self._event(job, message, level="error")

    def _validate(self, job: _Job) -> None:
        model = job.data["model"]
        if job.failure is not None and job.failure.at == "validating_files":
            self._fail(job, job.failure.code, job.failure.message, job.failure.param)
            return
        for param in ("training_file", "validation_file"):
            file_id = job.data[param]
            if file_id is None:
                continue
            role = param.removesuffix("_file")
            check = check_training_file(self.files[file_id].content, model=model, role=role)
            if check.problem is not None:
                self._fail(job, check.problem.code, check.problem.message, param)
                return
            if role == "training":
                job.examples = check.examples
                job.billed_tokens = check.billed_tokens
        job.data["status"] = "queued"
        self._event(job, "Files validated, moving job to queued state")

    def _start(self, job: _Job) -> None:
        if job.failure is not None and job.failure.at == "queued":
            self._fail(job, job.failure.code, job.failure.message, job.failure.param)
            return
        hyper = job.data["hyperparameters"]
        if hyper["n_epochs"] == "auto":
            hyper["n_epochs"] = default_epochs(job.examples)
        if hyper["batch_size"] == "auto":
            hyper["batch_size"] = 1
        if hyper["learning_rate_multiplier"] == "auto":
            hyper["learning_rate_multiplier"] = 1.8
        kind = job.data["method"]["type"]
        job.data["method"] = {"type": kind, kind: {"hyperparameters": dict(hyper)}}
        job.data["status"] = "running"
        job.data["estimated_finish"] = self._now() + 600
        self._event(job, "Fine-tuning job started")

    def _train_epoch(self, job: _Job) -> None:
        hyper = job.data["hyperparameters"]
        if job.failure is not None and job.failure.at == "running":
            self._fail(job, job.failure.code, job.failure.message, job.failure.param)
            return
        epochs = int(hyper["n_epochs"])
        per_epoch = max(1, -(-job.examples // int(hyper["batch_size"])))
        job.epochs_done += 1
        step = job.epochs_done * per_epoch
        total = epochs * per_epoch
        metrics: dict[str, float] = {
            "step": float(step),
            "train_loss": round(2.0 / (job.epochs_done + 1), 4),
            "train_mean_token_accuracy": round(1 - 0.5 / (job.epochs_done + 1), 4),
        }
        if job.data["validation_file"] is not None:
            metrics["valid_loss"] = round(2.2 / (job.epochs_done + 1), 4)
            metrics["valid_mean_token_accuracy"] = round(1 - 0.6 / (job.epochs_done + 1), 4)
        message = f"Step {step}/{total}: training loss={metrics['train_loss']}"
        if "valid_loss" in metrics:
            message += f", validation loss={metrics['valid_loss']}"
        self._event(job, message, kind="metrics", data={"total_steps": total, **metrics})
        name = self._model_name(job)
        job.checkpoints.insert(
            0,
            {
                "object": "fine_tuning.job.checkpoint",
                "id": self._id("ftckpt_"),
                "created_at": self._now(),
                "fine_tuned_model_checkpoint": f"{name}:ckpt-step-{step}",
                "fine_tuning_job_id": job.data["id"],
                "metrics": metrics,
                "step_number": step,
            },
        )
        del job.checkpoints[3:]
        self._event(job, f"Checkpoint created at step {step}")
        if job.epochs_done >= epochs:
            self._succeed(job)

    def _model_name(self, job: _Job) -> str:
        if job.name is None:
            suffix = job.data["user_provided_suffix"] or ""
            job.name = f"ft:{job.data['model']}:{self.organization}:{suffix}:{self._id('', 8)}"
        return job.name

    def _succeed(self, job: _Job) -> None:
        name = self._model_name(job)
        rows = ["step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy"]
        for checkpoint in reversed(job.checkpoints):
            m = checkpoint["metrics"]
            rows.append(
                f"{int(m['step'])},{m['train_loss']},{m['train_mean_token_accuracy']},"
                f"{m.get('valid_loss', '')},{m.get('valid_mean_token_accuracy', '')}"
            )
        results = self.upload(
            filename="step_metrics.csv",
            content="\n".join(rows).encode(),
            purpose="batch",
        )
        results["purpose"] = "fine-tune-results"
        self.files[results["id"]].data["purpose"] = "fine-tune-results"
        self.models[name] = job.data["model"]
        job.data.update(
            status="succeeded",
            fine_tuned_model=name,
            finished_at=self._now(),
            trained_tokens=job.billed_tokens * int(job.data["hyperparameters"]["n_epochs"]),
            result_files=[results["id"]],
            estimated_finish=None,
        )
        self._event(job, f"New fine-tuned model created: {name}")
        self._event(job, "The job has successfully completed")

    def _step(self, job: _Job) -> None:
        status = job.data["status"]
        if status == "validating_files":
            self._validate(job)
        elif status == "queued":
            self._start(job)
        elif status == "running":
            self._train_epoch(job)

    def advance(self, job_id: str | None = None, steps: int = 1) -> None:
        """Move one job (or every job) *steps* steps along its lifecycle."""
        with self.lock:
            jobs = [self._job(job_id)] if job_id is not None else list(self.jobs.values())
            for job in jobs:
                for _ in range(steps):
                    self._step(job)

    def tick(self) -> None:
        """Advance jobs by the time passed on the clock (when *step_seconds* is set)."""
        if self.step_seconds is None:
            return
        now = self.clock.now().timestamp()
        with self.lock:
            for job in self.jobs.values():
                while now - job.last_step_at >= self.step_seconds:
                    job.last_step_at += self.step_seconds
                    self._step(job)

    # --- jobs: requests ----------------------------------------------------------

    def _job(self, job_id: str) -> _Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise ApiError.not_found(f"Could not find fine-tune job: {job_id}", param="id")
        return job

    def retrieve_job(self, job_id: str) -> dict[str, Any]:
        """Return a job; every *advance_every*-th retrieval moves it one step."""
        with self.lock:
            job = self._job(job_id)
            job.polls += 1
            if self.advance_every and job.polls % self.advance_every == 0:
                self._step(job)
            return self._render(job)

    def list_jobs(self, query: Mapping[str, str]) -> dict[str, Any]:
        """List jobs newest first (``after``, ``limit``, ``metadata[k]=v``)."""
        limit = read_limit(query, 20)
        wanted = {
            key[len("metadata[") : -1]: value
            for key, value in query.items()
            if key.startswith("metadata[") and key.endswith("]")
        }
        with self.lock:
            items = [self._render(job) for job in reversed(self.jobs.values())]
        if query.get("metadata") == "null":
            items = [j for j in items if not j["metadata"]]
        for key, value in wanted.items():
            items = [j for j in items if (j["metadata"] or {}).get(key) == value]
        return page(items, after=query.get("after"), limit=limit)

    def list_events(self, job_id: str, query: Mapping[str, str]) -> dict[str, Any]:
        """List a job's events newest first; ``after`` gives older ones."""
        limit = read_limit(query, 20)
        with self.lock:
            events = list(self._job(job_id).events)
        return page(events, after=query.get("after"), limit=limit)

    def list_checkpoints(self, job_id: str, query: Mapping[str, str]) -> dict[str, Any]:
        """List a job's checkpoints newest first."""
        limit = read_limit(query, 10)
        with self.lock:
            checkpoints = list(self._job(job_id).checkpoints)
        return page(checkpoints, after=query.get("after"), limit=limit, ids=True)

    def cancel(self, job_id: str) -> dict[str, Any]:
        """Cancel a job that has not ended."""
        with self.lock:
            job = self._job(job_id)
            if job.data["status"] in FINAL:
                raise ApiError.bad_request(
                    f"Job {job_id} has already {job.data['status']} and cannot be cancelled.",
                    param="fine_tuning_job_id",
                )
            job.data["status"] = "cancelled"
            job.data["estimated_finish"] = None
            self._event(job, "Fine-tuning job cancelled")
            return self._render(job)

    def pause(self, job_id: str) -> dict[str, Any]:
        """Pause a running job."""
        with self.lock:
            job = self._job(job_id)
            if job.data["status"] != "running":
                raise ApiError.bad_request(
                    f"Job {job_id} is {job.data['status']}; only running jobs can be paused.",
                    param="fine_tuning_job_id",
                )
            job.data["status"] = "paused"
            self._event(job, "Fine-tuning job paused")
            return self._render(job)

    def resume(self, job_id: str) -> dict[str, Any]:
        """Resume a paused job (it goes back to the queue)."""
        with self.lock:
            job = self._job(job_id)
            if job.data["status"] != "paused":
                raise ApiError.bad_request(
                    f"Job {job_id} is {job.data['status']}; only paused jobs can be resumed.",
                    param="fine_tuning_job_id",
                )
            job.data["status"] = "queued"
            self._event(job, "Fine-tuning job resumed")
            return self._render(job)

    def model_kind(self, model: str, *, any_fine_tuned: bool = False) -> str | None:
        """
        Return ``"chat"`` or ``"completion"`` for a known model, else ``None``.

        With *any_fine_tuned*, any ``ft:<base>:...`` name whose base the fake knows
        counts as known, even if no job here created it.
        """
        with self.lock:
            base = self.models.get(model) or BASE_MODELS.get(model)
        parts = model.split(":")
        if base is None and any_fine_tuned and parts[0] == "ft" and len(parts) >= 3:  # noqa: PLR2004
            base = BASE_MODELS.get(parts[1])
        if base is None:
            return None
        return "completion" if base in LEGACY_MODELS else "chat"

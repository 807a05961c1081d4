"""
`OpenAIFineTuner`: fine-tuning through the OpenAI API (or any compatible service).

A run: `OpenAIFineTuner.prepare` validates the dataset and estimates the cost;
`OpenAIFineTuner.start` uploads the files (reusing identical uploads), waits until
they are processed and creates the job; `OpenAIFineTuner.follow` polls it with
back-off, reports each status change and event once, and returns how it ended.
Every step is recorded in a `StateFile` first, so a crash or Ctrl-C never leads
to a second upload or a second job: running again resumes the recorded job.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol, cast

import attrs
import openai
from attrs import define, field
from openai.types.fine_tuning import (
    FineTuningJob,
    SupervisedHyperparametersParam,
    job_create_params,
)

from persona_clone.api_key import check_api_key
from persona_clone.clock import Clock, SystemClock, system_sleep
from persona_clone.dataset.cost import estimate_cost
from persona_clone.dataset.validation import LEGACY_MODELS, validate_file
from persona_clone.errors import ConfigError, DatasetError, FineTuneError

from ._digest import content_hash
from ._retry import RetryingCalls
from .base import JobStatus, Progress, ProgressCallback, TuningPlan, TuningResult
from .job_records import Checkpoint, Hyperparameters, JobEvent, JobInfo
from .retirements import retirement_warnings
from .state import LockHolder, RunState, StateFile, StateLock
from .uploads import Uploads


__all__ = ["Checkpoint", "Hyperparameters", "JobEvent", "JobInfo", "OpenAIFineTuner"]

logger = logging.getLogger(__name__)

_RUN_METADATA_KEY = "persona_clone_run"
_NO_KEY = "no-key-given"
"""Sent instead of a key by a tuner built only to prepare (the service refuses it)."""


class _Validation(Protocol):
    """What `prepare` reads from ``persona_clone.dataset.validate_file``'s result."""

    @property
    def examples(self) -> int: ...
    @property
    def problems(self) -> tuple[str, ...]: ...
    @property
    def billed_tokens(self) -> int: ...
    @property
    def exact_tokens(self) -> bool: ...


class _Estimate(Protocol):
    """What `prepare` reads from ``persona_clone.dataset.cost.estimate_cost``'s result."""

    @property
    def epochs(self) -> int: ...
    @property
    def usd(self) -> float | None: ...


Validate = Callable[..., _Validation]
"""
``validate_file(path, *, model=..., min_examples=...)``, as in
``persona_clone.dataset.validation`` (*min_examples* is 1 for validation files).
"""

Estimate = Callable[..., _Estimate]
"""``estimate_cost(*, model, billed_tokens_per_epoch, examples, epochs)``."""


_SERVICE_FORMATS = frozenset({"chat", "legacy"})
"""The dataset formats the fine-tuning API takes."""


def _format_problems(path: Path, checked: _Validation) -> list[str]:
    """
    Refuse a file in a format only open-source trainers take (sharegpt, messages).

    The validator accepts those formats (they are valid files), but the service
    would fail the job after the upload.
    """
    found = getattr(checked, "format", None)
    name = getattr(found, "value", found)
    if name is None or name in _SERVICE_FORMATS:
        return []
    problem = (
        f"{path}: expected the chat or legacy prompt/completion format for the "
        f"fine-tuning API, found the {name} format (build the dataset with --format chat)"
    )
    return [problem]


def _status(word: str) -> JobStatus:
    """Map the service's status word; unknown words count as still running."""
    try:
        return JobStatus(word)
    except ValueError:
        return JobStatus.RUNNING


def _is_legacy(model: str) -> bool:
    """Whether *model* (or the base of an ``ft:`` model) trains on prompt/completion."""
    base = model.split(":")[1] if model.startswith("ft:") else model
    return base in LEGACY_MODELS


@define(kw_only=True)
class OpenAIFineTuner(RetryingCalls):
    """
    Fine-tunes a model through the OpenAI API (or a compatible one).

    Args:
        client: The ``openai.OpenAI`` client (Azure and compatible services: pass
            theirs, or one with another *base_url*). Its own retries stay on.
        model: The base model (``gpt-4.1-mini-2025-04-14``, or an ``ft:`` model);
            only `prepare` and `start` need it.
        suffix: Up to 64 characters that appear in the fine-tuned model's name.
        seed: Makes the job repeatable.
        metadata: Up to 15 string pairs attached to the job (one more key,
            ``persona_clone_run``, finds the job again after a lost answer).
        hyperparameters: Epochs, batch size, learning-rate multiplier.
        state_path: The state file that makes runs resumable (``None``: in memory).
        max_cost_usd: Refuse to start a run estimated above this, unless confirmed.
        poll_interval: Seconds between polls while the job changes.
        max_poll_interval: The longest wait between polls when nothing changes.
        backoff: Factor by which the wait grows while nothing changes.
        file_wait: Seconds to wait for an upload to be processed before giving up.
        retries: Tries of a request that failed transiently, after the client's own.
        clock: Tells the time (deprecation warnings, waiting for files).
        sleep: Waits between polls and retries.
        validate: Checks a dataset (default:
            ``persona_clone.dataset.validation.validate_file``).
        estimate: Estimates the cost; defaults to ``persona_clone.dataset.cost.estimate_cost``.
        event_page_size: Events fetched per request.
        lock_wait: Seconds `start` waits while another process uploads or
            creates the job of the same state file (then it follows that job).
    """

    client: openai.OpenAI = field(repr=False)
    model: str = ""
    suffix: str | None = None
    seed: int | None = None
    metadata: Mapping[str, str] = field(factory=dict)
    hyperparameters: Hyperparameters = field(factory=Hyperparameters)
    state_path: Path | None = field(default=None, converter=attrs.converters.optional(Path))
    max_cost_usd: float | None = None
    poll_interval: float = 10.0
    max_poll_interval: float = 120.0
    backoff: float = 1.5
    file_wait: float = 30 * 60.0
    retries: int = 5
    clock: Clock = field(factory=SystemClock, repr=False)
    sleep: Callable[[float], None] = field(default=system_sleep, repr=False)
    validate: Validate | None = field(default=None, repr=False)
    estimate: Estimate | None = field(default=None, repr=False)
    event_page_size: int = 50
    lock_wait: float = 15 * 60.0
    _state: RunState | None = field(default=None, init=False, repr=False)
    _lock: StateLock | None = field(default=None, init=False, repr=False)
    _resumed: bool = field(default=False, init=False, repr=False)

    @classmethod
    def from_env(
        cls,
        *,
        env: Mapping[str, str] | None = None,
        key_required: bool = True,
        max_retries: int = 2,
        timeout: float = 600.0,
        **options: Any,
    ) -> OpenAIFineTuner:
        """
        Build a tuner whose client is configured as the ``openai`` SDK is.

        Reads ``OPENAI_API_KEY`` (required), ``OPENAI_BASE_URL``, ``OPENAI_ORG_ID``
        and ``OPENAI_PROJECT_ID`` once, here. The key's shape is checked first
        (see `persona_clone.api_key.check_api_key`); it goes to the client only.

        Args:
            env: Where to read them (default: the process environment).
            key_required: With ``False``, a missing key is allowed: the tuner can
                `prepare` (validate and estimate), and the service refuses
                anything else it would send.
            max_retries: The client's own retries of transient errors.
            timeout: The client's timeout per request, in seconds.
            options: The other arguments of `OpenAIFineTuner` (``model`` is required).

        Raises:
            ConfigError: ``OPENAI_API_KEY`` is not set (and *key_required*), or
                holds a character no key has.
        """
        source = os.environ if env is None else env
        key = source.get("OPENAI_API_KEY") or ""
        if key or key_required:
            check_api_key(key, source="OPENAI_API_KEY")
        else:
            key = _NO_KEY
        client = openai.OpenAI(
            api_key=key,
            base_url=source.get("OPENAI_BASE_URL") or None,
            organization=source.get("OPENAI_ORG_ID") or None,
            project=source.get("OPENAI_PROJECT_ID") or None,
            max_retries=max_retries,
            timeout=timeout,
        )
        return cls(client=client, **options)

    # --- state -----------------------------------------------------------------

    @property
    def state(self) -> RunState:
        """The run's saved state (loaded from *state_path* on first use)."""
        if self._state is None:
            self._state = StateFile(path=self.state_path).load() if self.state_path else RunState()
        return self._state

    def _save(self, state: RunState) -> None:
        self._state = state
        if self.state_path is not None:
            StateFile(path=self.state_path).save(state)

    @property
    def resumed(self) -> bool:
        """
        Whether the last `start` found its job already created instead of creating it.

        True after a crash, a lost answer, or another process sharing the state
        file: the job was recorded, or found by the token of its attempt.
        """
        return self._resumed

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the state file's lock inside (waiting up to *lock_wait*); reload the state."""
        if self.state_path is None or (self._lock is not None and self._lock.held):
            yield
            return
        lock = StateLock(state_path=self.state_path, clock=self.clock, sleep=self.sleep)

        def waiting(holder: LockHolder | None) -> None:
            who = holder.describe() if holder is not None else "another process"
            logger.warning(
                "%s is in use by %s; waiting up to %.0f s",
                self.state_path,
                who,
                self.lock_wait,
            )

        lock.acquire(wait=self.lock_wait, on_wait=waiting)
        self._lock = lock
        try:
            self._state = None  # another process may have written it meanwhile
            yield
        finally:
            lock.release()

    def _record(self, job_id: str, state: RunState) -> bool:
        """
        Save *state* of *job_id*, unless the state file now records another job.

        Returns:
            Whether the state file still follows *job_id*.
        """
        if self.state_path is None:
            self._state = state
            return True
        with self._locked():
            current = self.state
            if current.job_id != job_id:
                logger.info(
                    "%s now records job %s; no longer saving %s there",
                    self.state_path,
                    current.job_id,
                    job_id,
                )
                return False
            self._save(state)
        return True

    def run_key(self, plan: TuningPlan) -> str:
        """Return the hash that identifies *plan*'s inputs and this tuner's options."""
        parts = {
            "training": content_hash(plan.training_file),
            "validation": content_hash(plan.validation_file) if plan.validation_file else None,
            "model": plan.model,
            "suffix": self.suffix,
            "seed": self.seed,
            "metadata": dict(self.metadata),
            "hyperparameters": self.hyperparameters.to_api(),
        }
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()

    def recorded_job(self, plan: TuningPlan) -> str | None:
        """Return the job recorded for *plan*, unless it failed or was cancelled."""
        state = self.state
        ended = (JobStatus.FAILED.value, JobStatus.CANCELLED.value)
        if state.job_id and state.run_key == self.run_key(plan) and state.status not in ended:
            return state.job_id
        return None

    # --- calling the service -------------------------------------------------------

    # --- prepare ---------------------------------------------------------------------

    def _defaults(self) -> tuple[Validate, Estimate]:
        validate: Validate = validate_file if self.validate is None else self.validate
        estimate: Estimate = estimate_cost if self.estimate is None else self.estimate
        return validate, estimate

    def prepare(self, training_file: Path, *, validation_file: Path | None = None) -> TuningPlan:
        """
        Validate the dataset(s) and estimate the run, without spending anything.

        Raises:
            DatasetError: A file would be rejected (every problem listed).
        """
        if not self.model:
            raise ConfigError("model: expected a base model to fine-tune, found none")
        validate, estimate = self._defaults()
        training_file = Path(training_file)
        validation_file = Path(validation_file) if validation_file is not None else None
        checked = validate(training_file, model=self.model)
        problems = [*checked.problems, *_format_problems(training_file, checked)]
        if validation_file is not None:
            # the service has no minimum for validation files; one example will do
            checked_validation = validate(validation_file, model=self.model, min_examples=1)
            problems.extend(checked_validation.problems)
            problems.extend(_format_problems(validation_file, checked_validation))
        if problems:
            raise DatasetError(problems)
        epochs = self.hyperparameters.n_epochs
        cost = estimate(
            model=self.model,
            billed_tokens_per_epoch=checked.billed_tokens,
            examples=checked.examples,
            epochs=None if epochs == "auto" else epochs,
        )
        warnings = list(retirement_warnings(self.model, self.clock.now().date()))
        if cost.usd is None:
            warnings.append(f"no price is known for {self.model}; the cost could not be estimated")
        return TuningPlan(
            training_file=training_file,
            validation_file=validation_file,
            model=self.model,
            examples=checked.examples,
            trained_tokens=checked.billed_tokens,
            epochs=cost.epochs,
            estimated_cost_usd=cost.usd,
            exact_tokens=checked.exact_tokens,
            warnings=warnings,
        )

    def check_cost(self, plan: TuningPlan, *, confirm: bool = False) -> None:
        """
        Refuse a plan above *max_cost_usd* (or with no estimate) unless *confirm*.

        Raises:
            FineTuneError: With code ``cost_over_limit``.
        """
        if self.max_cost_usd is None or confirm:
            return
        cost = plan.estimated_cost_usd
        if cost is None:
            raise FineTuneError(
                f"the cost of training {plan.model} is unknown, so it cannot be kept "
                f"under "
                f"the limit of ${self.max_cost_usd:.2f}; confirm to start anyway",
                "cost_over_limit",
            )
        if cost > self.max_cost_usd:
            raise FineTuneError(
                f"the run is estimated at ${cost:.2f}, above the limit of "
                f"${self.max_cost_usd:.2f}; confirm to start anyway",
                "cost_over_limit",
            )

    # --- start ---------------------------------------------------------------

    def start(self, plan: TuningPlan, *, confirm: bool = False) -> str:
        """
        Upload the files and create the job; return its id.

        A job already recorded for the same inputs and options is returned instead
        (nothing uploaded, nothing created, nothing paid); `resumed` says so.
        One process at a time uploads and creates the job of a state file: while
        another one does, this waits up to *lock_wait* seconds, then returns the
        job the other created.

        Args:
            plan: What `prepare` returned.
            confirm: Start even when the estimate is above *max_cost_usd*.

        Raises:
            FineTuneError: The cost is over the limit, a file was rejected, the
                service refused the job, or (code ``state_locked``) another
                process still held the state file after *lock_wait*.
        """
        self._resumed = False
        with self._locked():
            return self._start(plan, confirm=confirm)

    def _start(self, plan: TuningPlan, *, confirm: bool) -> str:
        recorded = self.recorded_job(plan)
        if recorded is not None:
            logger.info("resuming recorded job %s", recorded)
            self._resumed = True
            return recorded
        self.check_cost(plan, confirm=confirm)
        key = self.run_key(plan)
        state = self.state
        if state.run_key != key or state.status in (
            JobStatus.FAILED.value,
            JobStatus.CANCELLED.value,
        ):
            if state.job_id and state.run_key != key and not _status(state.status or "").is_final:
                logger.warning(
                    "the state file's job %s belongs to other inputs or options and "
                    "may still run; starting a new job (see `persona-clone jobs`)",
                    state.job_id,
                )
            state = attrs.evolve(
                state,
                run_key=key,
                attempt=secrets.token_hex(12),
                training_file_id=None,
                validation_file_id=None,
                job_id=None,
                status=None,
                fine_tuned_model=None,
                last_event_id=None,
                error_code=None,
                error_message=None,
            )
            self._save(state)
        training_id = self.upload(plan.training_file)
        validation_id = self.upload(plan.validation_file) if plan.validation_file else None
        self._save(
            attrs.evolve(
                self.state,
                training_file_id=training_id,
                validation_file_id=validation_id,
            )
        )
        job = self._create_job(plan, training_id, validation_id)
        self._save(attrs.evolve(self.state, job_id=job.id))  # follow reports its status
        logger.info("%s job %s", "resuming" if self._resumed else "created", job.id)
        return job.id

    def _create_job(
        self, plan: TuningPlan, training_id: str, validation_id: str | None
    ) -> FineTuningJob:
        attempt = self.state.attempt
        found = self._find_job(attempt)
        if found is not None:
            logger.info("found job %s, created by this attempt before", found.id)
            self._resumed = True
            return found
        metadata = {**self.metadata, _RUN_METADATA_KEY: attempt}
        once = self.client.with_options(max_retries=0).fine_tuning.jobs
        hyper = self.hyperparameters.to_api()

        def create() -> FineTuningJob:
            optional: dict[str, Any] = {}
            if _is_legacy(plan.model):
                # prompt/completion models: the supervised method means chat data
                optional["hyperparameters"] = hyper
            else:
                method: job_create_params.Method = {
                    "type": "supervised",
                    "supervised": {
                        "hyperparameters": cast("SupervisedHyperparametersParam", hyper)
                    },
                }
                optional["method"] = method
            if validation_id is not None:
                optional["validation_file"] = validation_id
            if self.suffix is not None:
                optional["suffix"] = self.suffix
            if self.seed is not None:
                optional["seed"] = self.seed
            return once.create(
                model=plan.model,
                training_file=training_id,
                metadata=metadata,
                **optional,
            )

        return self._call(
            "creating the fine-tuning job",
            create,
            recover=lambda: self._find_job(attempt),
        )

    def _find_job(self, attempt: str) -> FineTuningJob | None:
        """Return the job created by this attempt, if the service has one."""
        page = self._call(
            "listing jobs",
            lambda: self.client.fine_tuning.jobs.list(
                metadata={_RUN_METADATA_KEY: attempt}, limit=20
            ),
        )
        for job in page.data:
            if (job.metadata or {}).get(_RUN_METADATA_KEY) == attempt:
                return job
        return None

    def upload(self, path: Path) -> str:
        """
        Upload *path* for fine-tuning (or reuse an identical upload); return its id.

        The upload is recorded in the state file before waiting until the service
        has processed it.

        Raises:
            FineTuneError: The service rejected the file (its message is kept).
        """
        uploads = Uploads(
            client=self.client,
            clock=self.clock,
            sleep=self.sleep,
            retries=self.retries,
            poll_interval=min(self.poll_interval, 5.0),
            max_poll_interval=self.max_poll_interval,
            backoff=self.backoff,
            wait=self.file_wait,
        )
        path = Path(path)
        stored, record = uploads.send(path, self.state.upload_for(content_hash(path)))
        self._save(self.state.with_upload(record))
        return uploads.wait_processed(stored, path).id

    # --- follow --------------------------------------------------------------

    def follow(self, job_id: str, *, on_progress: ProgressCallback | None = None) -> TuningResult:
        """
        Follow *job_id* until it ends; report each status change and event once.

        Polls with back-off (through *sleep*): the wait grows while nothing
        changes and starts over when something does.

        Returns:
            How it ended: the fine-tuned model, or the job's error code and message.
        """
        report = on_progress or (lambda _: None)
        state = self.state
        persist = state.job_id == job_id
        if not persist:
            state = RunState(job_id=job_id)
        last_status = state.status
        already_ended = last_status is not None and _status(last_status).is_final
        interval = self.poll_interval
        while True:
            job = self._call(
                "checking the job",
                lambda: self.client.fine_tuning.jobs.retrieve(job_id),
            )
            status = _status(str(job.status))
            changed = False
            if str(job.status) != last_status:
                report(Progress(job_id=job_id, status=status, message=f"status: {job.status}"))
                last_status = str(job.status)
                changed = True
                state = attrs.evolve(state, status=last_status)
                if persist:
                    persist = self._record(job_id, state)
            for event in self._new_events(job_id, state.last_event_id):
                report(self._progress(job_id, status, event))
                state = attrs.evolve(state, last_event_id=event.id)
                if persist:
                    persist = self._record(job_id, state)
                changed = True
            if status.is_final:
                return self._finish(
                    job,
                    state if persist else None,
                    None if already_ended else report,
                )
            interval = (
                self.poll_interval
                if changed
                else min(interval * self.backoff, self.max_poll_interval)
            )
            self.sleep(interval)

    def _finish(
        self,
        job: FineTuningJob,
        state: RunState | None,
        report: ProgressCallback | None,
    ) -> TuningResult:
        status = _status(str(job.status))
        info = JobInfo.from_api(job)
        if status is JobStatus.SUCCEEDED and report is not None:
            for checkpoint in self._final_checkpoints(job.id):
                shown = ", ".join(
                    f"{k}={v:g}" for k, v in checkpoint.metrics.items() if k != "step"
                )
                report(
                    Progress(
                        job_id=job.id,
                        status=status,
                        message=f"checkpoint at step {checkpoint.step}: "
                        f"{checkpoint.model}" + (f" ({shown})" if shown else ""),
                        step=checkpoint.step,
                        metrics=checkpoint.metrics,
                    )
                )
        failed = status is JobStatus.FAILED
        if state is not None:
            self._record(
                job.id,
                attrs.evolve(
                    state,
                    status=info.status,
                    fine_tuned_model=info.fine_tuned_model,
                    error_code=info.error_code if failed else None,
                    error_message=info.error_message if failed else None,
                ),
            )
        return TuningResult(
            job_id=job.id,
            status=status,
            model=info.fine_tuned_model,
            error_code=info.error_code if failed else None,
            error_message=info.error_message if failed else None,
        )

    def _final_checkpoints(self, job_id: str) -> list[Checkpoint]:
        """The checkpoints to report at the end (none where the service lists none)."""
        try:
            return self.checkpoints(job_id)
        except FineTuneError as error:
            if not isinstance(error.__cause__, openai.NotFoundError):
                raise
            logger.info("the service lists no checkpoints for %s", job_id)
            return []

    @staticmethod
    def _progress(job_id: str, status: JobStatus, event: JobEvent) -> Progress:
        numbers = {
            k: float(v)
            for k, v in event.data.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)
        }
        step = numbers.pop("step", None)
        total = numbers.pop("total_steps", None)
        return Progress(
            job_id=job_id,
            status=status,
            message=event.message,
            step=int(step) if step is not None else None,
            total_steps=int(total) if total is not None else None,
            metrics=numbers,
        )

    def _new_events(self, job_id: str, last_seen: str | None) -> list[JobEvent]:
        """Return the events after *last_seen*, oldest first (pages go backwards)."""
        newest_first: list[JobEvent] = []
        after: str | None = None
        while True:
            options: dict[str, Any] = {"limit": self.event_page_size}
            if after is not None:
                options["after"] = after
            page = self._call(
                "reading job events",
                lambda options=options: (  # type: ignore[misc]
                    self.client.fine_tuning.jobs.list_events(job_id, **options)
                ),
            )
            for event in page.data:
                if event.id == last_seen:
                    return [*reversed(newest_first)]
                newest_first.append(JobEvent.from_api(event))
            if not page.data or page.has_more is False:
                return [*reversed(newest_first)]
            after = page.data[-1].id

    # --- jobs ----------------------------------------------------------------

    def job(self, job_id: str) -> JobInfo:
        """Return the job as the service reports it now."""
        return JobInfo.from_api(
            self._call("reading the job", lambda: self.client.fine_tuning.jobs.retrieve(job_id))
        )

    def jobs(self, *, limit: int = 20) -> Iterator[JobInfo]:
        """Yield jobs newest first (at most *limit*)."""
        page = self._call("listing jobs", lambda: self.client.fine_tuning.jobs.list(limit=limit))
        for job in page.data[:limit]:
            yield JobInfo.from_api(job)

    def events(self, job_id: str, *, limit: int = 50) -> list[JobEvent]:
        """Return the newest *limit* events of a job, oldest first."""
        page = self._call(
            "reading job events",
            lambda: self.client.fine_tuning.jobs.list_events(job_id, limit=limit),
        )
        return [JobEvent.from_api(event) for event in reversed(page.data)]

    def checkpoints(self, job_id: str) -> list[Checkpoint]:
        """Return a job's checkpoints with their metrics, in step order."""
        page = self._call(
            "reading checkpoints",
            lambda: self.client.fine_tuning.jobs.checkpoints.list(job_id, limit=50),
        )
        found = []
        for item in page.data or []:
            metrics = {k: float(v) for k, v in item.metrics.model_dump().items() if v is not None}
            found.append(
                Checkpoint(
                    id=item.id,
                    step=item.step_number,
                    model=item.fine_tuned_model_checkpoint,
                    metrics=metrics,
                )
            )
        return sorted(found, key=lambda c: c.step)

    def _act(
        self,
        what: str,
        job_id: str,
        action: Callable[[str], FineTuningJob],
        done: frozenset[str],
    ) -> JobInfo:
        """Send *action*; after a lost answer, accept a job in a *done* state."""

        def recover() -> FineTuningJob | None:
            job = self.client.fine_tuning.jobs.retrieve(job_id)
            return job if str(job.status) in done else None

        return JobInfo.from_api(self._call(what, lambda: action(job_id), recover=recover))

    def cancel(self, job_id: str) -> JobInfo:
        """Cancel a job that has not ended."""
        jobs = self.client.with_options(max_retries=0).fine_tuning.jobs
        return self._act("cancelling the job", job_id, jobs.cancel, frozenset({"cancelled"}))

    def pause(self, job_id: str) -> JobInfo:
        """Pause a running job."""
        jobs = self.client.with_options(max_retries=0).fine_tuning.jobs
        return self._act("pausing the job", job_id, jobs.pause, frozenset({"pausing", "paused"}))

    def resume(self, job_id: str) -> JobInfo:
        """Resume a paused job (it goes back to the queue)."""
        jobs = self.client.with_options(max_retries=0).fine_tuning.jobs
        return self._act("resuming the job", job_id, jobs.resume, frozenset({"queued", "running"}))

"""
The small JSON file that lets a fine-tuning run survive a crash or Ctrl-C.

`OpenAIFineTuner` records each upload (content hash -> file id) as soon as it is
done and the job id as soon as the job exists, so running the same command again
follows the recorded job instead of uploading and paying again. The file never
holds the API key or any chat text.

A `StateLock` (an operating-system lock on ``<state file>.lock``) lets one
process at a time upload and create the job for a state file: a second process
waits, then follows the job the first one created. The operating system drops
the lock when its process ends, even in a crash; the lock file itself stays.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import attrs
import cattrs
from attrs import define, field, frozen

from persona_clone._serialization import converter
from persona_clone.clock import Clock, SystemClock, system_sleep
from persona_clone.errors import ConfigError, FineTuneError


__all__ = ["DEFAULT_STATE_PATH", "LockHolder", "RunState", "StateFile", "StateLock", "Upload"]

DEFAULT_STATE_PATH = Path(".persona-clone") / "finetune-state.json"
"""Where the CLI keeps its state file, relative to the current directory."""

STATE_VERSION = 1


@frozen(kw_only=True)
class Upload:
    """
    A file already uploaded to the service.

    Args:
        sha256: SHA-256 of the file's bytes.
        file_id: The service's file id.
        filename: The name it was uploaded under.
        bytes: Its size.
    """

    sha256: str
    file_id: str
    filename: str
    bytes: int


def _uploads(value: Iterable[Upload]) -> tuple[Upload, ...]:
    return tuple(value)


@frozen(kw_only=True)
class RunState:
    """
    Everything a resumed run needs to know (no secrets, no chat text).

    Args:
        version: Format version of the file.
        run_key: Identifies the inputs and options of the run (a hash).
        attempt: A random token sent as job metadata, so a job whose creation
            answer was lost can be found again.
        uploads: Files uploaded so far (reused when the bytes are the same).
        training_file_id: The training file of this run.
        validation_file_id: The validation file of this run, if any.
        job_id: The job, once it exists.
        status: The job's last known status.
        fine_tuned_model: The model id once the job succeeded.
        last_event_id: The newest event already reported.
        error_code: The job's error code, if it failed.
        error_message: The job's error message, if it failed.
    """

    version: int = STATE_VERSION
    run_key: str = ""
    attempt: str = ""
    uploads: tuple[Upload, ...] = field(default=(), converter=_uploads)
    training_file_id: str | None = None
    validation_file_id: str | None = None
    job_id: str | None = None
    status: str | None = None
    fine_tuned_model: str | None = None
    last_event_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None

    def upload_for(self, sha256: str) -> Upload | None:
        """Return the recorded upload of the bytes with this hash, if any."""
        return next((u for u in self.uploads if u.sha256 == sha256), None)

    def with_upload(self, upload: Upload) -> RunState:
        """Return a copy that records *upload* (replacing one with the same hash)."""
        kept = tuple(u for u in self.uploads if u.sha256 != upload.sha256)
        return attrs.evolve(self, uploads=(*kept, upload))


@frozen(kw_only=True)
class StateFile:
    """
    Reads and writes a `RunState` at *path*, atomically.

    Args:
        path: The JSON file (its folder is created on first save).
    """

    path: Path = field(converter=Path)

    def load(self) -> RunState:
        """
        Return the saved state, or an empty one when the file does not exist.

        Raises:
            ConfigError: The file exists but is not a state file.
        """
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return RunState()
        try:
            raw = json.loads(text)
            state = converter.structure(raw, RunState)
        except (ValueError, TypeError, cattrs.BaseValidationError) as error:
            raise ConfigError(
                f"{self.path}: expected a persona-clone state file, "
                "found unreadable JSON "
                f"({type(error).__name__}); delete it to start over"
            ) from error
        if state.version != STATE_VERSION:
            raise ConfigError(
                f"{self.path}: expected state file version {STATE_VERSION}, found {state.version}"
            )
        return state

    def save(self, state: RunState) -> None:
        """Write *state*: to a temporary file first, then moved over the old one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(converter.unstructure(state), indent=2, sort_keys=True) + "\n"
        handle, temporary = tempfile.mkstemp(
            dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            Path(temporary).replace(self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


@frozen(kw_only=True)
class LockHolder:
    """
    The process that holds a state file's lock.

    Args:
        pid: Its process id.
        host: The machine it runs on.
        since: When it took the lock (ISO 8601, UTC).
    """

    pid: int
    host: str
    since: str

    def describe(self) -> str:
        """Return ``process 123 on host since 2026-01-01T12:00:00+00:00``."""
        return f"process {self.pid} on {self.host} since {self.since}"


@define(kw_only=True)
class StateLock:
    """
    An exclusive lock on a state file, held by one process at a time.

    Args:
        state_path: The state file; the lock is ``<state_path>.lock`` beside it.
        clock: Stamps when the lock was taken.
        sleep: Waits between tries.
        poll_interval: Seconds between tries while another process holds it.
    """

    state_path: Path = field(converter=Path)
    clock: Clock = field(factory=SystemClock, repr=False)
    sleep: Callable[[float], None] = field(default=system_sleep, repr=False)
    poll_interval: float = 0.5
    _fd: int | None = field(default=None, init=False, repr=False)

    @property
    def path(self) -> Path:
        """The lock file."""
        return self.state_path.with_name(self.state_path.name + ".lock")

    @property
    def held(self) -> bool:
        """Whether this object holds the lock now."""
        return self._fd is not None

    def holder(self) -> LockHolder | None:
        """Return who holds the lock, as the holder wrote it (``None`` if unknown)."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return converter.structure(raw, LockHolder)
        except (OSError, ValueError, TypeError, cattrs.BaseValidationError):
            return None

    def acquire(
        self, *, wait: float = 0.0, on_wait: Callable[[LockHolder | None], None] | None = None
    ) -> None:
        """
        Take the lock, waiting up to *wait* seconds while another process holds it.

        Args:
            wait: Longest wait, in seconds (0: refuse at once).
            on_wait: Called once, with the holder, when the lock is busy.

        Raises:
            FineTuneError: With code ``state_locked``, naming the holder, when
                the lock is still held after *wait*.
        """
        if self._fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        waited = 0.0
        told = False
        while not _try_lock(fd):
            holder = self.holder()
            if waited >= wait:
                os.close(fd)
                who = holder.describe() if holder is not None else "another process"
                msg = (
                    f"{self.state_path}: in use by {who}, which is uploading or creating "
                    "its job; run again when it has started the job (the run then follows "
                    "that job), or use another state file"
                )
                raise FineTuneError(msg, "state_locked")
            if not told and on_wait is not None:
                on_wait(holder)
                told = True
            self.sleep(self.poll_interval)
            waited += self.poll_interval
        self._fd = fd
        me = LockHolder(
            pid=os.getpid(),
            host=socket.gethostname(),
            since=self.clock.now().replace(microsecond=0).isoformat(),
        )
        data = json.dumps(converter.unstructure(me)).encode()
        if sys.platform != "win32":  # Windows locks the first byte: others cannot read it
            os.ftruncate(fd, 0)
            os.pwrite(fd, data, 0)

    def release(self) -> None:
        """Let go of the lock (the lock file stays, so that no two processes race on it)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            if sys.platform != "win32":
                os.ftruncate(fd, 0)
            _unlock(fd)
        os.close(fd)

"""
The small JSON file that lets a fine-tuning run survive a crash or Ctrl-C.

`OpenAIFineTuner` records each upload (content hash -> file id) as soon as it is
done and the job id as soon as the job exists, so running the same command again
follows the recorded job instead of uploading and paying again. The file never
holds the API key or any chat text.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import attrs
import cattrs
from attrs import field, frozen

from persona_clone._serialization import converter
from persona_clone.errors import ConfigError


__all__ = ["DEFAULT_STATE_PATH", "RunState", "StateFile", "Upload"]

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

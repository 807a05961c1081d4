"""
Uploading training files once: by content hash, safe against lost answers.

A file is uploaded as ``<stem>.<first 12 hex digits of its SHA-256>.jsonl``, so an
identical upload can be found again in the service's file list even without the
state file, and an upload whose answer was lost is found instead of repeated.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import openai
from attrs import define, field
from openai.types import FileObject

from persona_clone.clock import Clock
from persona_clone.errors import FineTuneError

from ._digest import content_hash
from ._retry import RetryingCalls, translate
from .state import Upload


__all__ = ["Uploads", "content_hash", "upload_name"]

logger = logging.getLogger(__name__)

_DONE = frozenset({"processed", "error", "deleted"})


def upload_name(path: Path, sha256: str) -> str:
    """The name a file is uploaded under: its stem, a short hash and ``.jsonl``."""
    return f"{path.stem}.{sha256[:12]}.jsonl"


@define(kw_only=True)
class Uploads(RetryingCalls):
    """
    Sends fine-tuning files to the service, each at most once.

    Args:
        client: The ``openai`` client.
        clock: Tells when *wait* has passed.
        sleep: Waits between retries and between status checks.
        retries: Tries of a request that failed transiently.
        poll_interval: First wait between status checks.
        max_poll_interval: Longest wait between status checks.
        backoff: Factor by which the wait grows.
        wait: Seconds to wait for processing before giving up.
    """

    client: openai.OpenAI = field(repr=False)
    clock: Clock = field(repr=False)
    sleep: Callable[[float], None] = field(repr=False)
    retries: int = 5
    poll_interval: float = 5.0
    max_poll_interval: float = 120.0
    backoff: float = 1.5
    wait: float = 30 * 60.0

    def send(self, path: Path, recorded: Upload | None) -> tuple[FileObject, Upload]:
        """
        Upload *path* (or reuse *recorded* or an identical upload); return it, recorded.

        The upload is sent without the client's own retries: before trying again
        this looks for the upload a lost answer may have stored.
        """
        sha256 = content_hash(path)
        name = upload_name(path, sha256)
        size = path.stat().st_size
        stored = self._reusable(recorded, name, size)
        if stored is None:
            once = self.client.with_options(max_retries=0).files

            def send() -> FileObject:
                return once.create(
                    file=(name, path.read_bytes(), "application/jsonl"),
                    purpose="fine-tune",
                )

            stored = self._call(
                f"uploading {path.name}",
                send,
                recover=lambda: self.find(name, size),
            )
            logger.info("uploaded %s as %s", path.name, stored.id)
        return stored, Upload(sha256=sha256, file_id=stored.id, filename=name, bytes=size)

    def _reusable(self, recorded: Upload | None, name: str, size: int) -> FileObject | None:
        if recorded is not None:
            try:
                found = self.client.files.retrieve(recorded.file_id)
            except openai.NotFoundError:
                found = None
            except openai.OpenAIError as error:
                raise translate("checking a recorded upload", error) from error
            if found is not None and found.status != "error":
                return found
        return self.find(name, size)

    def find(self, name: str, size: int) -> FileObject | None:
        """Return an upload of the same name (which holds the content hash) and size."""
        page = self._call("listing files", lambda: self.client.files.list(purpose="fine-tune"))
        for item in page:
            if item.filename == name and item.bytes == size and item.status != "error":
                return item
        return None

    def wait_processed(self, stored: FileObject, path: Path) -> FileObject:
        """
        Poll *stored* until the service has processed it.

        Raises:
            FineTuneError: The service rejected it, or took longer than *wait*.
        """
        deadline = self.clock.now().add(seconds=self.wait)
        interval = self.poll_interval
        while stored.status not in _DONE:
            if self.clock.now() >= deadline:
                raise FineTuneError(
                    f"{path.name}: the service did not process the upload {stored.id} in time",
                    None,
                )
            self.sleep(interval)
            interval = min(interval * self.backoff, self.max_poll_interval)
            file_id = stored.id
            stored = self._call(
                "checking an upload",
                lambda file_id=file_id: self.client.files.retrieve(file_id),  # type: ignore[misc]
            )
        if stored.status != "processed":
            detail = stored.status_details or f"its status is {stored.status!r}"
            raise FineTuneError(
                f"{path.name}: the service rejected the file: {detail}", "file_rejected"
            )
        return stored

"""
`OutputFolder`: a dataset folder written whole or not at all, by one build at a time.

A build writes into a staging folder next to the output (same file system, so
the final move is a rename) and only a build that finishes moves its files into
place; the output then holds exactly that build's files. An interrupted or
failed build removes its staging folder and leaves the previous dataset as it
was (or no folder, if there was none). A lock file next to the output refuses
a second build into the same folder while the first runs.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import signal
import socket
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Final

from attrs import define, field

from persona_clone.clock import Clock, SystemClock
from persona_clone.errors import OutputError


try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    _flock = None
else:
    _flock = fcntl.flock


__all__ = ["DATASET_FILES", "OutputFolder"]

DATASET_FILES: Final = frozenset(
    {
        "train.jsonl",
        "validation.jsonl",
        "dataset_info.json",
        "names.json",
        "report.json",
        "report.txt",
        "train.review.json",
        "validation.review.json",
    }
)
"""The names a dataset build writes: a folder holding only these may be replaced."""

_FULL: Final = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def _paths(values: Iterable[str | os.PathLike[str]]) -> tuple[Path, ...]:
    return tuple(Path(value) for value in values)


def _folder(value: str | os.PathLike[str]) -> Path:
    """The folder as given, or absolute where it has no name of its own (".", "..")."""
    path = Path(value)
    return path if path.name not in ("", ".", "..") else path.resolve()


@define
class OutputFolder:
    r"""
    Write a dataset folder whole or not at all, one build at a time.

    Use it as a context manager: it gives the staging folder to write into, and
    on a clean exit moves it into place as *path* (the previous folder, if any,
    is replaced whole). On an exception nothing is moved and the staging folder
    is removed; a full disk becomes an `persona_clone.errors.OutputError` that
    names *path*.

    Args:
        path: The output folder.
        inputs: The exports the build reads: an output that is one of them,
            holds one, or lies inside an export folder is refused.
        owned: The file names a build writes; an existing *path* holding
            anything else is refused rather than replaced.
        clock: Stamps the lock with the time the build started.

    Raises:
        OutputError: another build holds the lock (the message names it), the
            output is an input, the existing folder holds other files, or the
            disk is full.

    Example:
        >>> import pathlib, tempfile
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "dataset"
        >>> with OutputFolder(out) as staging:
        ...     _ = (staging / "train.jsonl").write_text("{}\\n")
        >>> sorted(p.name for p in out.iterdir())
        ['train.jsonl']

    """

    path: Path = field(converter=_folder)
    inputs: tuple[Path, ...] = field(default=(), converter=_paths)
    owned: frozenset[str] = DATASET_FILES
    clock: Clock = field(factory=SystemClock)
    _staging: Path | None = field(init=False, default=None)
    _lock: int | None = field(init=False, default=None)
    _committed: bool = field(init=False, default=False)

    @property
    def committed(self) -> bool:
        """Whether this build's folder was moved into place (an interrupt came after)."""
        return self._committed

    @property
    def lock_path(self) -> Path:
        """The lock file next to the output (``.NAME.lock``)."""
        return self.path.parent / f".{self.path.name}.lock"

    def __enter__(self) -> Path:
        self._refuse_inputs()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _signals_held():  # Ctrl-C waits until lock and staging folder are in hand
            self._lock = self._acquire()
            try:
                self._recover()
                self._refuse_foreign()
                self._staging = Path(
                    tempfile.mkdtemp(prefix=f".{self.path.name}.building-", dir=self.path.parent)
                )
            except BaseException:
                self._release()
                raise
        return self._staging

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        staging = self._staging
        self._staging = None
        # Ctrl-C or SIGTERM waits until the swap and the clean-up are done: an
        # interrupt between the two renames or before the lock is released would
        # leave the previous folder or the staging folder behind
        with _signals_held():
            try:
                if exc is None and staging is not None:
                    try:
                        self._commit(staging)
                    except OSError as error:
                        self._raise_full(error)
                        raise
                    self._committed = True
                elif staging is not None:
                    shutil.rmtree(staging, ignore_errors=True)
                    if isinstance(exc, OSError):
                        self._raise_full(exc)
            finally:
                self._release()

    # --- checks -----------------------------------------------------------------

    def _refuse_inputs(self) -> None:
        output = self.path.resolve()
        for given in self.inputs:
            source = given.resolve()
            if source == output or output in source.parents:
                raise OutputError(
                    f"{self.path}: expected an output folder apart from the exports, "
                    f"found the export {str(given)!r} in it (a build replaces the folder)"
                )
            if source.is_dir() and source in output.parents:
                raise OutputError(
                    f"{self.path}: expected an output folder outside the export folder "
                    f"{str(given)!r}"
                )

    def _refuse_foreign(self) -> None:
        if not self.path.exists():
            return
        if not self.path.is_dir():
            raise OutputError(f"{self.path}: expected a folder, found a file")
        foreign = sorted(
            entry.name for entry in self.path.iterdir() if entry.name not in self.owned
        )
        if foreign:
            shown = ", ".join(repr(name) for name in foreign[:3])
            raise OutputError(
                f"{self.path}: expected a new or empty folder or a previous dataset, "
                f"found other files ({shown}{', ...' if len(foreign) > 3 else ''}); "  # noqa: PLR2004
                "a build replaces the whole folder"
            )

    def _recover(self) -> None:
        """Undo what a killed build left: its staging folder, or a half-done swap."""
        parent, name = self.path.parent, self.path.name
        for previous in sorted(parent.glob(f".{name}.previous-*")):
            if not self.path.exists():
                previous.rename(self.path)  # killed between the two renames of a commit
            else:
                shutil.rmtree(previous, ignore_errors=True)
        for staging in parent.glob(f".{name}.building-*"):
            shutil.rmtree(staging, ignore_errors=True)

    def _raise_full(self, error: OSError) -> None:
        if error.errno in _FULL:
            raise OutputError(
                f"{self.path}: no space left on the device while writing the dataset "
                f"({error.strerror}); the previous dataset was left as it was"
            ) from error

    # --- commit -----------------------------------------------------------------

    def _commit(self, staging: Path) -> None:
        for entry in staging.iterdir():
            if entry.is_file():
                with entry.open("rb") as handle:
                    os.fsync(handle.fileno())
        if not self.path.exists():
            staging.rename(self.path)
            return
        previous = Path(
            tempfile.mkdtemp(prefix=f".{self.path.name}.previous-", dir=self.path.parent)
        )
        previous.rmdir()
        self.path.rename(previous)
        try:
            staging.rename(self.path)
        except BaseException:
            previous.rename(self.path)
            shutil.rmtree(staging, ignore_errors=True)
            raise
        shutil.rmtree(previous, ignore_errors=True)

    # --- lock -------------------------------------------------------------------

    def _acquire(self) -> int:
        lock = self.lock_path
        while True:
            handle = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
            if _flock is None:  # pragma: no cover - Windows
                return handle
            try:
                _flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = os.read(handle, 4096).decode("utf-8", "replace")
                os.close(handle)
                raise OutputError(
                    f"{self.path}: another build is writing this folder "
                    f"({_describe(holder)}, lock {lock}); wait for it to finish "
                    "or choose another output folder"
                ) from None
            try:
                same = lock.stat().st_ino == os.fstat(handle).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(handle)  # the holder removed the file we locked: lock the new one
        stamp = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": self.clock.now().isoformat(),
        }
        os.ftruncate(handle, 0)
        os.write(handle, json.dumps(stamp).encode())
        return handle

    def _release(self) -> None:
        handle, self._lock = self._lock, None
        if handle is None:
            return
        with contextlib.suppress(FileNotFoundError):
            self.lock_path.unlink()
        os.close(handle)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back for the block (delivered after it), where possible."""
    held = {signal.SIGINT, signal.SIGTERM}
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "pthread_sigmask"
    ):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _describe(holder: str) -> str:
    try:
        data = json.loads(holder)
        return f"process {int(data['pid'])} on {data['host']}, started {data['started']}"
    except (ValueError, KeyError, TypeError):
        return "a build that has just started"

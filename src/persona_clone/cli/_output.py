"""What commands that write outputs share: exit codes on signals, redacted errors."""

from __future__ import annotations

import os
import re
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from types import FrameType

import click

from persona_clone.errors import PersonaCloneError


__all__ = ["display_redaction", "exit_on_signals", "redacted_errors", "redacted_problems"]

_CUT_NUMBER = re.compile(r"[+(]?\d[\d \u00a0()./-]*…")
"""Digits an excerpt was cut in: too short for any detector, still part of a number."""


def display_redaction(redact: Callable[[str], str]) -> Callable[[str], str]:
    """
    Return *redact* followed by removing the digits of numbers an excerpt cut short.

    Errors and reports quote input in excerpts cut to a few dozen characters; a
    phone number cut in half ("+90 532 12…") is too short to be found, so the
    digits before the ellipsis are dropped.
    """
    return lambda text: _CUT_NUMBER.sub("…", redact(text))


def redacted_problems(
    problems: Iterable[str], files: Iterable[str | os.PathLike[str]]
) -> list[str]:
    """
    Return *problems* (``FILE:LINE: problem`` lines) with what they quote redacted.

    A validator quotes the lines it cannot accept, and a file that is not a
    dataset at all (a chat export given by mistake) quotes people's messages:
    the text after each ``FILE:LINE:`` is redacted as errors are (phone numbers,
    e-mail addresses, ...), while the file names in *files* are kept as given.
    """
    # the redactor loads with the privacy modules, only when there is a problem to show
    from persona_clone.privacy.redaction import BuiltinRedactor  # noqa: PLC0415

    redactor = BuiltinRedactor()
    redact = display_redaction(lambda text: redactor.redact(text)[0])
    names = sorted((str(file) for file in files), key=len, reverse=True)
    shown = []
    for problem in problems:
        name = next((name for name in names if problem.startswith(name)), "")
        where = _WHERE.match(problem, len(name)) if name else None
        cut = where.end() if where is not None else 0
        shown.append(problem[:cut] + redact(problem[cut:]))
    return shown


_WHERE = re.compile(r"(?::\d+)?: ")
"""What follows a file name in a problem: the line number, if any."""


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is so ``finally`` blocks and cleanups run."""


@contextmanager
def exit_on_signals(what: str | Callable[[], str]) -> Iterator[None]:
    """
    Exit with 130 on Ctrl-C and 143 on SIGTERM, after the cleanups inside ran.

    SIGTERM is turned into an exception for the time of the block, so the
    context managers inside (an `persona_clone.dataset.OutputFolder`) undo
    their work as on Ctrl-C; *what* says what was left (for the message), or
    is asked then.
    """

    def terminate(_signum: int, _frame: FrameType | None) -> None:
        raise _Terminated

    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, terminate) if main else None
    try:
        yield
    except KeyboardInterrupt as interrupt:
        terminated = isinstance(interrupt, _Terminated)
        left = what if isinstance(what, str) else what()
        click.echo(f"\n{'terminated' if terminated else 'interrupted'}: {left}", err=True)
        code = 128 + (signal.SIGTERM if terminated else signal.SIGINT)
        raise click.exceptions.Exit(code) from None
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)


@contextmanager
def redacted_errors(redact: Callable[[str], str]) -> Iterator[None]:
    """Turn persona_clone's errors into one line through *redact* and exit 1."""
    try:
        yield
    except PersonaCloneError as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise click.ClickException(redact(first)) from error

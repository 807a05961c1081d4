"""
Every exception that persona_clone raises on purpose.

The hierarchy::

    PersonaCloneError
      ParseError (also ValueError)          a line or record could not be read
        UnknownFormatError                  no parser claims the input; lists what was tried
        AmbiguousFormatError                several parsers claim it equally; lists them
      NaiveTimestampError (also ValueError) a time without a zone was given
      OutOfOrderError (also ValueError)     messages went backwards in time
      DatasetError (also ValueError)        a dataset would be rejected; has .problems
      PluginError (also ImportError)        a parser plugin failed to load or clashes
      FineTuneError (also RuntimeError)     the service refused or failed a job
      ConfigError (also ValueError)         a configuration value or file is invalid
      OutputError (also OSError)            an output folder cannot be written whole

    ParseWarning (a UserWarning)            lenient parsing skipped or cut some input

Each error is also the built-in exception that fits, so ``except ValueError`` keeps
working for callers who do not know this library.
This module imports nothing from the package.
"""

from __future__ import annotations

from collections.abc import Sequence


__all__ = [
    "AmbiguousFormatError",
    "ConfigError",
    "DatasetError",
    "FineTuneError",
    "NaiveTimestampError",
    "OutOfOrderError",
    "OutputError",
    "ParseError",
    "ParseWarning",
    "PersonaCloneError",
    "PluginError",
    "UnknownFormatError",
    "excerpt",
]

_EXCERPT_LENGTH = 40


def excerpt(text: str, limit: int = _EXCERPT_LENGTH) -> str:
    """
    Return a short ``repr`` of *text* for error messages.

    Long text is cut (privacy) and ``repr`` makes invisible characters such as
    U+200E or U+00A0 visible.
    """
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text)


class PersonaCloneError(Exception):
    """Base class of every error persona_clone raises on purpose."""


class ParseError(PersonaCloneError, ValueError):
    """
    A line or record of an export could not be read.

    Args:
        location: Where the problem is: ``file:line`` or ``file $.json.path``.
        expected: What the parser expected there.
        found: A short excerpt of what it found (already truncated).
    """

    def __init__(self, location: str, expected: str, found: str = "") -> None:
        self.location = location
        self.expected = expected
        self.found = found
        message = f"{location}: expected {expected}"
        if found:
            message += f", found {found}"
        super().__init__(message)

    def __reduce__(self) -> tuple[type[ParseError], tuple[str, str, str]]:
        return (type(self), (self.location, self.expected, self.found))


class UnknownFormatError(ParseError):
    """
    No parser recognises the input.

    Args:
        location: The file or folder that was offered.
        scores: Each parser tried, with the score it gave (all zero or below threshold).
    """

    def __init__(self, location: str, scores: Sequence[tuple[str, float]]) -> None:
        self.scores = tuple(scores)
        tried = ", ".join(f"{name}={score:.2f}" for name, score in self.scores)
        super().__init__(location, "a known chat export format", f"scores: {tried}")

    def __reduce__(self) -> tuple[type[ParseError], tuple[str, str, str]]:
        return (type(self), (self.location, self.scores))  # type: ignore[return-value]


class AmbiguousFormatError(ParseError):
    """
    Several parsers claim the input with the same top score.

    Args:
        location: The file or folder that was offered.
        scores: Each parser tried, with the score it gave.
    """

    def __init__(self, location: str, scores: Sequence[tuple[str, float]]) -> None:
        self.scores = tuple(scores)
        tried = ", ".join(f"{name}={score:.2f}" for name, score in self.scores)
        super().__init__(location, "one format to match best (pass format=...)", f"scores: {tried}")

    def __reduce__(self) -> tuple[type[ParseError], tuple[str, str, str]]:
        return (type(self), (self.location, self.scores))  # type: ignore[return-value]


class NaiveTimestampError(PersonaCloneError, ValueError):
    """A time without a time zone was given where an aware one is required."""


class OutOfOrderError(PersonaCloneError, ValueError):
    """
    Messages went backwards in time where chronological order is required.

    Args:
        message_id: The id of the first message that is earlier than the one before it.
        location: Where that message came from, if known.
        detail: The two times involved.
    """

    def __init__(self, message_id: str, location: str, detail: str) -> None:
        self.message_id = message_id
        self.location = location
        self.detail = detail
        where = f"{location}: " if location else ""
        super().__init__(
            f"{where}expected messages in chronological order, found message "
            f"{message_id!r} earlier than the one before it ({detail})"
        )

    def __reduce__(self) -> tuple[type[OutOfOrderError], tuple[str, str, str]]:
        return (type(self), (self.message_id, self.location, self.detail))


class DatasetError(PersonaCloneError, ValueError):
    """
    A dataset would be rejected; ``problems`` holds every problem found.

    Args:
        problems: Each problem as one line, ideally ``file:line: problem``.
    """

    _SHOWN = 5

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        shown = "\n".join(self.problems[: self._SHOWN])
        more = len(self.problems) - self._SHOWN
        if more > 0:
            shown += f"\n… and {more} more problem{'s' if more != 1 else ''}"
        super().__init__(shown or "dataset rejected")

    def __reduce__(self) -> tuple[type[DatasetError], tuple[tuple[str, ...]]]:
        return (type(self), (self.problems,))


class ParseWarning(UserWarning):
    """
    Lenient parsing skipped or cut some of the input.

    `persona_clone.parse` warns once per export, when the export has been read
    to its end, if a line or record was not read as a message or a message was
    cut, with the number of such issues and the first one's location; pass an
    *issues* sink to collect every issue (no warning then) or ``strict=True``
    to stop at the first.

    .. versionadded:: 0.1.0
    """


class PluginError(PersonaCloneError, ImportError):
    """A parser plugin failed to load or clashes with another."""


class FineTuneError(PersonaCloneError, RuntimeError):
    """
    The fine-tuning service refused a request or a job failed.

    Args:
        message: What went wrong, in words a user can act on.
        code: The service's error code, if it gave one.
    """

    def __init__(self, message: str, code: str | None = None) -> None:
        self.code = code
        super().__init__(f"{message} ({code})" if code else message)
        self.message = message

    def __reduce__(self) -> tuple[type[FineTuneError], tuple[str, str | None]]:
        return (type(self), (self.message, self.code))


class ConfigError(PersonaCloneError, ValueError):
    """A configuration value or file is invalid."""


class OutputError(PersonaCloneError, OSError):
    """
    An output folder cannot be written whole: in use, not ours to replace, or full.

    The message names the folder; whatever was there before is left as it was.
    """

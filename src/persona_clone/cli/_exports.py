"""
What the dataset commands share.

Opening exports (or the bundled sample), counting progress, and turning library
errors into one-line CLI errors.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
import operator
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, ParamSpec, TypeVar

import attrs
import click

from persona_clone.errors import PersonaCloneError
from persona_clone.message import Message
from persona_clone.parsers import (
    CollectingIssueSink,
    Parser,
    ParserRegistry,
    carries_replies,
    parse,
    resolve_parser,
)


if TYPE_CHECKING:
    from persona_clone.parsers.whatsapp.grammar import DateOrder


__all__ = [
    "OpenExports",
    "Progress",
    "date_order_option",
    "exports_option_help",
    "input_format_option",
    "one_line_errors",
    "open_exports",
    "registry_of",
    "with_date_order",
]

_UPDATE_EVERY: Final = 2_000
_HEADER_BYTES: Final = 22  # a WhatsApp header such as "01/03/2024, 19:02 - " plus ": "
_AUTHOR: Final = operator.attrgetter("author")
_TEXT: Final = operator.attrgetter("text")
_NAME: Final = operator.attrgetter("name")

P = ParamSpec("P")
R = TypeVar("R")

exports_option_help: Final = (
    "EXPORT is a chat export: a WhatsApp .txt or .zip, a Discord/Telegram/Messenger "
    "JSON file, a Slack export folder, or persona_clone's own JSONL; its format is "
    "detected unless --input-format is given."
)


def _known_format(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Refuse a format name no parser has, naming the option, the choices and the value."""
    if value is None:
        return None
    registry = registry_of(ctx) or ParserRegistry.default()
    if value not in registry.names:
        choices = ", ".join(registry.names)
        raise click.BadParameter(f"expected one of {choices}, found {value!r}", ctx, param)
    return value


input_format_option: Final = click.option(
    "--input-format",
    metavar="NAME",
    callback=_known_format,
    help="Read EXPORT as this format instead of detecting it.",
)
"""The ``--input-format`` option of the commands that read exports: a registered format name."""


DATE_ORDERS: Final = ("DMY", "MDY", "YMD")
"""The names of `DateOrder`, spelled out so that ``--help`` does not load the WhatsApp grammar."""


def _date_order(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> DateOrder | None:
    from persona_clone.parsers.whatsapp.grammar import DateOrder  # noqa: PLC0415 (see DATE_ORDERS)

    return None if value is None else DateOrder[value.upper()]


date_order_option: Final = click.option(
    "--date-order",
    type=click.Choice(DATE_ORDERS, case_sensitive=False),
    callback=_date_order,
    help=(
        "Order of day, month and year in exports whose dates do not say it (WhatsApp), "
        "instead of inferring it from the dates."
    ),
)
"""The ``--date-order`` option of the commands that read exports, given to the parsers taking it."""


def _ordered(parser: Parser, order: DateOrder) -> Parser | None:
    """*parser* reading dates in *order*, or None when its format has no date order to choose."""
    kind = type(parser)
    if attrs.has(kind) and "date_order" in attrs.fields_dict(kind):
        chosen: Parser = attrs.evolve(parser, date_order=order)  # type: ignore[misc]
        return chosen
    return None


def _assumed_order(parser: Parser) -> Parser:
    """*parser*, reading day first if its format takes a date order and none was given."""
    if getattr(parser, "date_order", True) is None:
        from persona_clone.parsers.whatsapp.grammar import DateOrder  # noqa: PLC0415

        return _ordered(parser, DateOrder.DMY) or parser
    return parser


def with_date_order(parsers: Sequence[Parser], order: DateOrder | None) -> list[Parser]:
    """
    Return *parsers*, those that take a date order (WhatsApp) reading dates in *order*.

    Raises:
        click.UsageError: *order* is given and no parser takes one.
    """
    if order is None:
        return list(parsers)
    ordered = [_ordered(parser, order) for parser in parsers]
    if all(parser is None for parser in ordered):
        formats = ", ".join(sorted({parser.name for parser in parsers}))
        msg = f"--date-order: expected an export whose dates need it (WhatsApp), found {formats}"
        raise click.UsageError(msg)
    return [o if o is not None else p for o, p in zip(ordered, parsers, strict=True)]


def one_line_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn persona_clone's errors and file errors into one line and exit 1."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except PersonaCloneError as error:
            first = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise click.ClickException(first) from error
        except BrokenPipeError:  # the reader went away (| head): the group ends quietly, 0
            raise
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            raise click.ClickException(f"{where}{error.strerror or error}") from error

    return wrapper


def registry_of(ctx: click.Context) -> ParserRegistry | None:
    """The parser registry a caller injected (``obj={"registry": ...}``), if any."""
    obj = ctx.find_root().obj
    if isinstance(obj, dict):
        registry = obj.get("registry")
        if isinstance(registry, ParserRegistry):
            return registry
    return None


class Progress:
    """A progress bar over input bytes, advanced by the messages read."""

    def __init__(self, total_bytes: int, label: str) -> None:
        self._bar: Any = click.progressbar(
            length=max(total_bytes, 1),
            label=label,
            file=sys.stderr,
            show_eta=True,
            show_percent=True,
        )
        self.messages = 0

    def __enter__(self) -> Progress:  # noqa: PYI034  (Self needs Python 3.11)
        self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self._bar.update(self._bar.length)
        self._bar.__exit__(*exc)

    def count(self, messages: Iterable[Message]) -> Iterator[Message]:
        """
        Yield *messages*, advancing the bar by an estimate of the bytes each took.

        Messages are read a batch at a time and measured with C-level maps; the
        batches are chained in C, so the bar costs next to nothing per message.
        """
        return itertools.chain.from_iterable(self._batches(messages))

    def _batches(self, messages: Iterable[Message]) -> Iterator[list[Message]]:
        stream = iter(messages)
        update = self._bar.update
        while batch := list(itertools.islice(stream, _UPDATE_EVERY)):
            authors = [a for a in map(_AUTHOR, batch) if a is not None]
            update(
                sum(map(len, map(_TEXT, batch)))
                + _HEADER_BYTES * len(batch)
                + sum(map(len, map(_NAME, authors)))
            )
            self.messages += len(batch)
            yield batch


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


@attrs.frozen(kw_only=True)
class OpenExports:
    """
    The exports a command reads.

    Args:
        streams: One message stream per export.
        issues: Where every stream reports its problems.
        progress: The progress bar the streams advance.
        replies: Whether some export's format can carry reply links.
        reopen: New streams over the same exports, read in the same formats,
            their problems left out (the streams report them): for a look
            ahead. ``reopen(True)`` reads quickly for finding who writes, not
            when: a date order not given is assumed (day first) rather than
            inferred from the whole file, and lines it makes impossible are
            left out.
    """

    streams: list[Iterator[Message]]
    issues: CollectingIssueSink
    progress: Progress
    replies: bool
    reopen: Callable[[bool], list[Iterator[Message]]]


@contextlib.contextmanager
def open_exports(
    paths: Sequence[Path],
    *,
    input_format: str | Parser | None,
    tz: str,
    registry: ParserRegistry | None,
    label: str,
    date_order: DateOrder | None = None,
) -> Iterator[OpenExports]:
    """
    Open every export for reading, with one issue sink and one progress bar.

    Formats are detected (or *input_format*, a name or a parser, used) here, so
    an unknown file fails before any work. *date_order* goes to the parsers
    that take one (WhatsApp); given when none does, it is a usage error.
    """
    sink = CollectingIssueSink()
    progress = Progress(sum(_size(p) for p in paths), label)
    parsers = with_date_order(
        [resolve_parser(path, format=input_format, registry=registry) for path in paths],
        date_order,
    )
    streams = [
        progress.count(parse(path, format=parser, tz=tz, issues=sink))
        for path, parser in zip(paths, parsers, strict=True)
    ]

    def reopen(quick: bool) -> list[Iterator[Message]]:  # noqa: FBT001 - documented above
        chosen = [_assumed_order(p) for p in parsers] if quick else parsers
        return [
            parse(path, format=parser, tz=tz, issues=CollectingIssueSink())
            for path, parser in zip(paths, chosen, strict=True)
        ]

    with progress:
        yield OpenExports(
            streams=streams,
            issues=sink,
            progress=progress,
            replies=any(carries_replies(parser) for parser in parsers),
            reopen=reopen,
        )


_GEN0_BATCH: Final = 100_000


@contextlib.contextmanager
def batch_collection() -> Iterator[None]:
    """
    Run long batch work with CPython's cyclic collector triggered less often.

    Reading an export allocates millions of short-lived objects that form no
    cycles (messages, turns, lines); by default the collector runs every 700
    allocations and rescans what is alive, which costs about a tenth of a
    build. The command owns its process, so it may tune this; the old settings
    are restored afterwards. Memory stays bounded: reference counting frees
    everything as soon as it is unused, the collector only finds cycles.
    """
    old = gc.get_threshold()
    gc.freeze()  # what the imports made is never garbage: stop rescanning it
    gc.set_threshold(_GEN0_BATCH, *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()

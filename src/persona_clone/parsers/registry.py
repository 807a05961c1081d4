"""
`ParserRegistry` and `parse`, the one call users make.

The registry finds parsers (built-in and plugins) and detects an input's format.
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Final

import pendulum
from attrs import field, frozen

from ..errors import (
    AmbiguousFormatError,
    ParseError,
    ParseWarning,
    PluginError,
    UnknownFormatError,
)
from ..message import Message
from .base import (
    ENTRY_POINT_GROUP,
    CollectingIssueSink,
    IssueSink,
    ParseContext,
    Parser,
    Severity,
    StrictIssueSink,
)
from .source import Sample, Source, as_source


if TYPE_CHECKING:
    from importlib.metadata import EntryPoint


__all__ = ["BUILTIN_PARSERS", "ParserRegistry", "carries_replies", "parse", "resolve_parser"]

logger = logging.getLogger(__name__)

BUILTIN_PARSERS: Final[Mapping[str, str]] = {
    # name -> "module:Class"; also declared in pyproject.toml under ENTRY_POINT_GROUP
    "discord-csv": "persona_clone.parsers.discord_csv:DiscordCsvParser",
    "discord-json": "persona_clone.parsers.discord_json:DiscordJsonParser",
    "slack": "persona_clone.parsers.slack:SlackParser",
    "imessage": "persona_clone.parsers.imessage:IMessageParser",
    "instagram": "persona_clone.parsers.messenger:InstagramParser",
    "messenger": "persona_clone.parsers.messenger:MessengerParser",
    "persona-clone-jsonl": "persona_clone.parsers.interchange:InterchangeParser",
    "signal": "persona_clone.parsers.signal:SignalParser",
    "telegram": "persona_clone.parsers.telegram:TelegramParser",
    "whatsapp": "persona_clone.parsers.whatsapp:WhatsAppParser",
}
"""The built-in formats, known in code so a source checkout works without metadata."""

ParserFactory = Callable[[], Parser]

_TIE: Final = 1e-9


def _load(target: str) -> ParserFactory:
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
        factory: ParserFactory = getattr(module, attribute)
    except Exception as error:
        message = f"built-in parser {target} failed to load: {type(error).__name__}: {error}"
        raise PluginError(message) from error
    return factory


@frozen
class _Entry:
    """A parser known by name, loaded on first use."""

    name: str
    target: str
    distribution: str
    loader: Callable[[], ParserFactory]

    @functools.cached_property
    def factory(self) -> ParserFactory:
        return self.loader()


@frozen(kw_only=True)
class ParserRegistry:
    """
    The parsers available, by format name; loads each on first use.

    Build one with `ParserRegistry.default` (built-ins plus installed plugins) or
    `ParserRegistry.of` (exactly the parsers given, for tests).

    Args:
        entries: The known parsers; use the factories instead of this argument.
        strict: Raise `PluginError` when a parser fails to load (or its sniffer
            fails) during detection, instead of logging it and going on without it.
    """

    _entries: Mapping[str, _Entry] = field(alias="entries")
    strict: bool = False

    @classmethod
    def of(cls, *parsers: ParserFactory) -> ParserRegistry:
        """Return a registry holding exactly *parsers* (classes or zero-argument factories)."""
        entries: dict[str, _Entry] = {}
        for factory in parsers:
            name = _name_of(factory)
            if name in entries:
                raise PluginError(f"two parsers are named {name!r}")
            entries[name] = _Entry(name, repr(factory), "<given>", lambda f=factory: f)  # type: ignore[misc]
        return cls(entries=entries)

    @classmethod
    def default(cls, *, strict: bool = False, override: bool = False) -> ParserRegistry:
        """
        Return the built-in parsers plus every plugin in ``persona_clone.parsers``.

        Plugins are not imported here, only when first used.

        Args:
            strict: Raise `PluginError` for a plugin that fails to load instead of
                logging it and going on without it.
            override: Let a plugin replace a built-in parser or another plugin of
                the same name instead of raising `PluginError`.

        Raises:
            PluginError: two distributions register the same format name.
        """
        entries: dict[str, _Entry] = {
            name: _Entry(name, target, "persona-clone", lambda t=target: _load(t))  # type: ignore[misc]
            for name, target in BUILTIN_PARSERS.items()
        }
        from importlib.metadata import entry_points  # noqa: PLC0415 - costs 10 ms at start

        for point in entry_points(group=ENTRY_POINT_GROUP):
            dist = point.dist.name if point.dist is not None else "<unknown>"
            if BUILTIN_PARSERS.get(point.name) == point.value:
                continue  # our own pyproject declares the built-ins too
            known = entries.get(point.name)
            if known is not None and not override:
                raise PluginError(
                    f"parser name {point.name!r} is registered by both "
                    f"{known.distribution} ({known.target}) and {dist} ({point.value}); "
                    "uninstall one or pass override=True"
                )
            entries[point.name] = _Entry(point.name, point.value, dist, _plugin_loader(point, dist))
        return cls(entries=entries, strict=strict)

    @property
    def names(self) -> tuple[str, ...]:
        """The format names known, sorted."""
        return tuple(sorted(self._entries))

    def get(self, name: str) -> Parser:
        """
        Return a new parser for format *name*, with default options.

        Raises:
            UnknownFormatError: no parser has that name.
            PluginError: the parser's plugin failed to load.
        """
        entry = self._entries.get(name)
        if entry is None:
            raise UnknownFormatError(name, [(known, 0.0) for known in self.names])
        return entry.factory()

    def scores(self, sample: Sample) -> list[tuple[str, float]]:
        """
        Ask every loadable parser how sure it is that *sample* is its format.

        A parser that fails to load is left out and one whose sniffer raises
        scores 0; both are logged as warnings (or raise `PluginError` when the
        registry is *strict*), so one broken plugin never stops detection.
        """
        found: list[tuple[str, float]] = []
        for name in self.names:
            try:
                parser = self.get(name)
            except PluginError as error:
                if self.strict:
                    raise
                logger.warning("skipping parser %s: %s", name, error)
                continue
            try:
                score = float(parser.sniff(sample))
            except Exception as error:
                message = f"parser {name!r} failed to sniff {sample.name!r}: {error!r}"
                if self.strict:
                    raise PluginError(message) from error
                logger.warning("%s", message)
                score = 0.0
            found.append((name, min(max(score, 0.0), 1.0)))
        found.sort(key=lambda pair: -pair[1])
        return found

    def detect(self, source: Source) -> Parser:
        """
        Return the parser whose format *source* is.

        Raises:
            UnknownFormatError: every parser scored zero; lists each score.
            AmbiguousFormatError: several parsers share the top score.
        """
        scores = self.scores(source.sample())
        if not scores or scores[0][1] <= 0.0:
            raise UnknownFormatError(source.display(), scores)
        top = scores[0][1]
        tied = [pair for pair in scores if top - pair[1] < _TIE]
        if len(tied) > 1:
            raise AmbiguousFormatError(source.display(), scores)
        return self.get(scores[0][0])


def _name_of(factory: ParserFactory) -> str:
    name = getattr(factory, "name", None)
    if not isinstance(name, str) or not name:
        raise PluginError(f"parser {factory!r} has no class attribute 'name'")
    return name


def _plugin_loader(point: EntryPoint, dist: str) -> Callable[[], ParserFactory]:
    def load() -> ParserFactory:
        try:
            factory: ParserFactory = point.load()
        except Exception as error:
            message = (
                f"parser plugin {point.name!r} from {dist} ({point.value}) failed to load: "
                f"{type(error).__name__}: {error}"
            )
            raise PluginError(message) from error
        name = getattr(factory, "name", None)
        if name != point.name:
            message = (
                f"parser plugin {point.name!r} from {dist} ({point.value}) is named {name!r}: "
                f"the entry-point key {point.name!r} must equal the parser's name {name!r}"
            )
            raise PluginError(message)
        return factory

    return load


@functools.cache
def _default_registry() -> ParserRegistry:
    return ParserRegistry.default()


def parse(
    path: str | os.PathLike[str] | Source,
    *,
    format: str | Parser | None = None,  # noqa: A002
    tz: str | pendulum.Timezone | pendulum.FixedTimezone = "UTC",
    issues: IssueSink | None = None,
    strict: bool = False,
    registry: ParserRegistry | None = None,
) -> Iterator[Message]:
    """
    Read a chat export and yield its messages, lazily, in chronological order.

    Args:
        path: A file, a ``.zip`` export, or a folder (where the platform exports folders).
        format: A format name (see `ParserRegistry.names`) or a configured parser;
            detected from the content when omitted.
        tz: Zone of exports that store local time without an offset (WhatsApp,
            Signal); default UTC. Formats that store instants ignore it.
        issues: Where problems go. By default lenient parsing collects them and,
            once the export has been read to its end, emits one
            `persona_clone.errors.ParseWarning` if any input was skipped or cut
            (an error, or an issue accounting for lines), with their number and
            the first one's location; pass a sink (`CollectingIssueSink`) to
            collect every issue yourself (no warning then). With *strict*, a
            `StrictIssueSink`.
        strict: Raise `persona_clone.errors.ParseError` at the first problem.
        registry: The parsers to choose from (default built-ins plus plugins).

    Raises:
        UnknownFormatError: no parser recognises the input.
        AmbiguousFormatError: several parsers recognise it equally.
        ParseError: in strict mode, the first unreadable line or record.
    """
    source = as_source(path)
    parser = resolve_parser(source, format=format, registry=registry)
    if issues is not None or strict:
        sink = issues if issues is not None else StrictIssueSink()
        return parser.parse(source, ParseContext(issues=sink, tz=tz))
    collected = CollectingIssueSink()
    messages = parser.parse(source, ParseContext(issues=collected, tz=tz))
    return _warning_of_loss(messages, collected, source.display())


def _warning_of_loss(
    messages: Iterator[Message], collected: CollectingIssueSink, where: str
) -> Iterator[Message]:
    """Yield *messages*; at their end, warn once if input was skipped or cut."""
    yield from messages
    lost = [i for i in collected.issues if i.severity is Severity.ERROR or i.lines > 0]
    if lost:
        lines = sum(issue.lines for issue in lost)
        others = len(collected.issues) - len(lost)
        also = f", and {others} other warning(s)" if others else ""
        warnings.warn(
            f"{where}: {len(lost)} parse issue(s) skipped or cut input ({lines} line(s) or "
            f"record(s) not read as messages{also}), the first at {lost[0].location}: "
            f"expected {lost[0].expected}; pass issues= a CollectingIssueSink to see them all, "
            "or strict=True to stop at the first",
            ParseWarning,
            stacklevel=2,
        )


def resolve_parser(
    path: str | os.PathLike[str] | Source,
    *,
    format: str | Parser | None = None,  # noqa: A002
    registry: ParserRegistry | None = None,
) -> Parser:
    """
    Return the parser `parse` would use for *path*: *format*'s, or the detected one.

    Raises:
        ParseError: nothing is at *path*.
        UnknownFormatError: no parser recognises the input.
        AmbiguousFormatError: several parsers recognise it equally.
    """
    source = as_source(path)
    if not source.path.exists():
        raise ParseError(str(source.path), "an export file or folder", "nothing there")
    chosen = registry if registry is not None else _default_registry()
    if format is None:
        return chosen.detect(source)
    if isinstance(format, str):
        return chosen.get(format)
    return format


def carries_replies(parser: Parser) -> bool:
    """
    Whether *parser*'s format can link a message to the one it answers (``reply_to``).

    Read from the parser's optional class attribute ``carries_replies``; a parser
    without it is assumed to (WhatsApp and Signal text exports, Messenger JSON
    and DiscordChatExporter CSV carry no reply links). A dataset build keeps
    recent messages for replies only when some export can have them.
    """
    return bool(getattr(parser, "carries_replies", True))

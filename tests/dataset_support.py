"""
Support for the dataset tests.

Simple names, aliases and message builders, and provisional stand-ins for the
privacy modules where a branch lacks them.

The stand-ins implement only the agreed interface (identity, consent, redaction,
repetition) minimally; once the real modules exist they are used instead.
"""

from __future__ import annotations

import enum
import importlib.util
import re
import sys
import types
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar, cast

import pendulum
from attrs import define, evolve, field, frozen

from persona_clone import (
    Merger,
    Message,
    MessageKind,
    Participant,
    Sessionizer,
)
from persona_clone.errors import ConfigError
from persona_clone.message import SourceRef
from persona_clone.parsers import ParseContext, Sample, Source, read_jsonl, write_jsonl
from persona_clone.session import Session, Turn
from persona_clone.testing import make_participant


NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
START = pendulum.DateTime(2024, 3, 1, 20, 0, 0, tzinfo=pendulum.timezone("Europe/Istanbul"))


@frozen
class PlainNames:
    """Names for tests: ASCII-folded display names, phone numbers as Contact_N."""

    def openai_name(self, participant: Participant) -> str:
        folded = unicodedata.normalize("NFKD", participant.name.replace("ı", "i").replace("İ", "I"))
        ascii_name = re.sub(
            r"[^A-Za-z0-9_-]+", "_", folded.encode("ascii", "ignore").decode()
        ).strip("_")
        if not ascii_name or ascii_name.replace("_", "").isdigit():
            return "Contact_1"
        return ascii_name[:64]

    def display_name(self, participant: Participant) -> str:
        return participant.name

    def mapping(self) -> dict[str, str]:
        return {}


@frozen
class NoAliases:
    """Every participant is themselves."""

    def resolve(self, participant: Participant) -> Participant:
        return participant


def chat(
    *lines: tuple[str, str],
    start: pendulum.DateTime = START,
    step: int = 30,
    source: str = "chat.txt",
) -> list[Message]:
    """Return messages ``(author, text)`` *step* seconds apart ("": system event)."""
    messages = []
    for index, (author, text) in enumerate(lines):
        system = author == ""
        messages.append(
            Message(
                id=str(index + 1),
                sent_at=start.add(seconds=step * index),
                author=None if system else make_participant(author, id=author),
                text=text,
                kind=MessageKind.SYSTEM if system else MessageKind.TEXT,
                source=SourceRef(file=source, line=index + 1),
            )
        )
    return messages


def conversation(
    sessions: int, *, persona: str = "Deniz", others: tuple[str, ...] = ("Ayşe", "Mert")
) -> list[Message]:
    """Return *sessions* short sessions an hour apart in which everyone speaks."""
    lines: list[Message] = []
    for number in range(sessions):
        start = START.add(hours=number)
        lines.extend(
            evolve(m, id=f"{number}-{m.id}")
            for m in chat(
                (others[0], f"soru {number}: bu akşam?"),
                (persona, f"olur, saat {number}"),
                (others[1], "ben de geliyorum"),
                (persona, "süper"),
                start=start,
            )
        )
    return lines


def sessions_of(messages: Iterable[Message]) -> list[tuple[Turn, ...]]:
    """Return the sessions of turns of *messages* (default sessionizer and merger)."""
    return list(Merger()(Sessionizer()(messages)))


def write_export(path: Path, messages: Iterable[Message]) -> Path:
    """Write *messages* as an interchange JSONL export."""
    write_jsonl(list(messages), path)
    return path


class InterchangeParser:
    """A test parser for interchange JSONL files (the real one is another branch's)."""

    name: ClassVar[str] = "interchange-test"

    def sniff(self, sample: Sample) -> float:
        return 1.0 if sample.head.startswith(b'{"persona_clone"') else 0.0

    def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
        with source.open_text() as handle:
            yield from read_jsonl(handle)


# --- provisional privacy stand-ins ------------------------------------------------


def _standin_identity() -> types.ModuleType:
    module = types.ModuleType("persona_clone.privacy.identity")

    @frozen(kw_only=True)
    class Identity:
        id: str
        name: str
        aliases: tuple[str, ...] = ()

    @frozen(kw_only=True)
    class AliasMap:
        identities: tuple[Identity, ...] = ()

        def resolve(self, participant: Participant) -> Participant:
            for identity in self.identities:
                if (
                    participant.id in identity.aliases
                    or participant.name in identity.aliases
                    or participant.id == identity.id
                ):
                    return Participant(id=identity.id, name=identity.name)
            return participant

    @define(kw_only=True)
    class NameBook:
        aliases: AliasMap = field(factory=AliasMap)
        _names: dict[str, str] = field(factory=dict, init=False)
        _contacts: int = field(default=0, init=False)

        def openai_name(self, participant: Participant) -> str:
            participant = self.aliases.resolve(participant)
            known = self._names.get(participant.name)
            if known is None:
                known = PlainNames().openai_name(participant)
                if known == "Contact_1":
                    self._contacts += 1
                    known = f"Contact_{self._contacts}"
                self._names[participant.name] = known
            return known

        def display_name(self, participant: Participant) -> str:
            name = self.openai_name(participant)
            return name if name.startswith("Contact_") else self.aliases.resolve(participant).name

        def mapping(self) -> dict[str, str]:
            return dict(self._names)

    module.Identity = Identity  # type: ignore[attr-defined]
    module.AliasMap = AliasMap  # type: ignore[attr-defined]
    module.NameBook = NameBook  # type: ignore[attr-defined]
    return module


class RedactionKind(enum.Enum):
    PHONE = "phone"
    EMAIL = "email"
    IBAN = "iban"
    CARD = "card"
    URL = "url"
    NAME = "name"


_PATTERNS = {
    RedactionKind.EMAIL: re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"),
    RedactionKind.PHONE: re.compile(r"\+?\d[\d ]{8,}\d"),
    RedactionKind.URL: re.compile(r"https?://\S+"),
}


_ANY = re.compile(r"@|\d{5}|\d \d|https?:")


def _standin_redaction() -> types.ModuleType:
    module = types.ModuleType("persona_clone.privacy.redaction")

    @frozen(kw_only=True)
    class BuiltinRedactor:
        kinds: frozenset[RedactionKind] = frozenset(RedactionKind)
        names: tuple[str, ...] = ()

        def redact(self, text: str) -> tuple[str, Counter[RedactionKind]]:
            counts: Counter[RedactionKind] = Counter()
            if not _ANY.search(text):
                return text, counts
            for kind, pattern in _PATTERNS.items():
                if kind in self.kinds:
                    text, n = pattern.subn(f"<{kind.name}>", text)
                    counts[kind] += n
            return text, counts

    @define(kw_only=True)
    class PrivacyReport:
        redactions: Counter[RedactionKind] = field(factory=Counter)
        messages_replaced: int = 0
        sessions_dropped: int = 0

    def redact_messages(
        messages: Iterable[Message], redactor: Any, report: Any
    ) -> Iterator[Message]:
        for message in messages:
            text, counts = redactor.redact(message.text)
            if any(counts.values()):
                report.redactions.update(counts)
                yield evolve(message, text=text)
            else:
                yield message

    module.RedactionKind = RedactionKind  # type: ignore[attr-defined]
    module.BuiltinRedactor = BuiltinRedactor  # type: ignore[attr-defined]
    module.PrivacyReport = PrivacyReport  # type: ignore[attr-defined]
    module.redact_messages = redact_messages  # type: ignore[attr-defined]
    return module


def _standin_consent() -> types.ModuleType:
    module = types.ModuleType("persona_clone.privacy.consent")

    @frozen(kw_only=True)
    class Consent:
        consenting: frozenset[str] = frozenset()
        excluded: frozenset[str] = frozenset()
        placeholder: str = "<message from someone who opted out>"

        def check_persona(self, persona: Participant, aliases: Any) -> None:
            if not ({persona.id, persona.name} & self.consenting):
                raise ConfigError(f"persona {persona.name!r} has not consented")

        def apply(
            self, sessions: Iterable[Session], aliases: Any, report: Any
        ) -> Iterator[Session]:
            for session in sessions:
                messages = []
                for original in session.messages:
                    m = original
                    if m.author is not None and {m.author.id, m.author.name} & self.excluded:
                        report.messages_replaced += 1
                        m = evolve(m, text=self.placeholder)
                    messages.append(m)
                yield cast(Any, Session)(messages=messages)  # converter typing, see report

    module.Consent = Consent  # type: ignore[attr-defined]
    return module


def _standin_repetition() -> types.ModuleType:
    module = types.ModuleType("persona_clone.dataset.repetition")

    @frozen(kw_only=True)
    class PhraseStat:
        phrase: str
        count: int
        share: float

    def repeated_phrases(texts: Iterable[str], *, top: int = 10) -> list[PhraseStat]:
        counts: Counter[str] = Counter()
        total = 0
        for text in texts:
            total += 1
            counts.update(set(text.casefold().split()))
        return [
            PhraseStat(phrase=p, count=c, share=c / total)
            for p, c in counts.most_common(top)
            if c > 1
        ]

    module.PhraseStat = PhraseStat  # type: ignore[attr-defined]
    module.repeated_phrases = repeated_phrases  # type: ignore[attr-defined]
    return module


def install_standins() -> None:
    """Register the stand-ins for any privacy module this branch lacks."""
    for name, factory in (
        ("identity", _standin_identity),
        ("redaction", _standin_redaction),
        ("consent", _standin_consent),
        ("repetition", _standin_repetition),
    ):
        full = f"persona_clone.{name}"
        if full in sys.modules or importlib.util.find_spec(full) is not None:
            continue
        sys.modules[full] = factory()


install_standins()


_HEADER = re.compile(r"^(\d\d)/(\d\d)/(\d{4}), (\d\d):(\d\d) - (.*)$")
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_EDITED = " <This message was edited>"


class SampleWhatsAppParser:
    """A test double reading only the bundled sample's dialect."""

    name: ClassVar[str] = "whatsapp"

    def sniff(self, sample: Sample) -> float:
        return 1.0 if _HEADER.match(sample.text().splitlines()[0] if sample.text() else "") else 0.0

    def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
        entries: list[list[Any]] = []
        with source.open_text() as handle:
            for number, raw in enumerate(handle, start=1):
                line = raw.rstrip("\n")
                match = _HEADER.match(line)
                if match:
                    entries.append([number, match, [match.group(6)]])
                else:
                    entries[-1][2].append(line)
        for index, (number, match, body) in enumerate(entries):
            day, month, year, hour, minute, rest = match.groups()
            when = pendulum.DateTime(
                int(year),
                int(month),
                int(day),
                int(hour),
                int(minute),
                tzinfo=context.tz,
            )
            rest = "\n".join([rest, *body[1:]])
            author_text, sep, text = rest.partition(": ")
            ref = SourceRef(file=source.name, line=number)
            if not sep:
                yield Message(
                    id=str(index),
                    sent_at=when,
                    author=None,
                    text=rest,
                    kind=MessageKind.SYSTEM,
                    source=ref,
                )
                continue
            author = Participant.from_name(_BIDI.sub("", author_text))
            kind = MessageKind.TEXT
            edited = text.endswith(_EDITED)
            if edited:
                text = text[: -len(_EDITED)]
            if text == "<Media omitted>":
                kind = MessageKind.MEDIA
            elif text == "This message was deleted":
                kind = MessageKind.DELETED
            yield Message(
                id=str(index),
                sent_at=when,
                author=author,
                text=text,
                kind=kind,
                edited=edited,
                source=ref,
            )

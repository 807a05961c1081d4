"""Tests for persona_clone.testing.check_parser: each rule holds for a good parser, and breaks."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pendulum
import pytest

from persona_clone import (
    Message,
    MessageKind,
    ParseContext,
    ParseError,
    Participant,
    Sample,
    Source,
    SourceRef,
)
from persona_clone.testing import check_parser
from persona_clone.testing.parser_check import (
    ACCOUNTED,
    AWARE,
    ERRORS,
    IDS,
    LAZY,
    ORDER,
    READ,
    RULES,
    SNIFF,
    SYSTEM,
)


LINE = re.compile(r"(?P<time>\S+) \| (?P<author>[^|]+) \| (?P<text>.*)")

SAMPLE = (
    "TOYCHAT 1\n"
    "2024-05-06T09:15:00 | Ada | Günaydın!\n"
    "and a second line\n"
    "\n"
    "2024-05-06T09:16:30+03:00 | Bob | morning\n"
    "2024-05-06T09:17:00+03:00 | ~ | Cem joined\n"
)


class ToyParser:
    """A ToyChat parser that keeps every rule."""

    name: ClassVar[str] = "toychat"

    def sniff(self, sample: Sample) -> float:
        return 1.0 if sample.text().startswith("TOYCHAT 1\n") else 0.0

    def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
        where = source.display()
        with source.open_text() as handle:
            if handle.readline() != "TOYCHAT 1\n":
                raise ParseError(where, "a 'TOYCHAT 1' first line", "something else")
            pending: Message | None = None
            for number, line in enumerate(handle, start=2):
                match = LINE.fullmatch(line.removesuffix("\n"))
                if match is None:
                    if pending is not None and line.strip():
                        pending = self.more(pending, line)
                    elif line.strip():
                        context.report(f"{where}:{number}", "'time | author | text'", line)
                    continue
                if pending is not None:
                    yield pending
                pending = self.message(match, where, number, context)
            if pending is not None:
                yield pending

    def more(self, message: Message, line: str) -> Message:
        """Add a continuation line to *message* (the toy format's only quirk)."""
        return Message(
            id=message.id,
            sent_at=message.sent_at,
            author=message.author,
            text=f"{message.text}\n{line.removesuffix(chr(10))}",
            kind=message.kind,
            source=message.source,
        )

    def message(
        self, match: re.Match[str], where: str, number: int, context: ParseContext
    ) -> Message:
        system = match["author"] == "~"
        return Message(
            id=str(number),
            sent_at=self.when(match["time"], f"{where}:{number}", context),
            author=None if system else Participant.from_name(match["author"]),
            text=match["text"],
            kind=MessageKind.SYSTEM if system else MessageKind.TEXT,
            source=SourceRef(file=where, line=number),
        )

    def when(self, found: str, location: str, context: ParseContext) -> pendulum.DateTime:
        return context.time(found, location=location)


@pytest.fixture(name="sample")
def _sample(tmp_path: Path) -> Path:
    path = tmp_path / "chat.toy"
    path.write_text(SAMPLE, encoding="utf-8")
    return path


@pytest.fixture(name="sample_with_issue")
def _sample_with_issue(tmp_path: Path) -> Path:
    path = tmp_path / "issue.toy"
    path.write_text(
        "TOYCHAT 1\nbroken line\n2024-05-06T09:15:00+03:00 | Ada | a\n", encoding="utf-8"
    )
    return path


def broken_rules(error: pytest.ExceptionInfo[AssertionError]) -> list[str]:
    """The rule names an AssertionError of check_parser lists."""
    return [rule for rule in RULES if f"- {rule}:" in str(error.value)]


class TestGoodParser:
    def test_a_parser_that_keeps_every_rule_passes(self, sample: Path) -> None:
        """The toy parser passes and the messages of its run come back."""
        messages = check_parser(ToyParser(), sample, preamble=1, tz="Europe/Istanbul")

        assert ["Günaydın!\nand a second line", "morning", "Cem joined"] == [
            m.text for m in messages
        ]
        assert pendulum.datetime(2024, 5, 6, 6, 15, tz="UTC") == messages[0].sent_at

    def test_reported_lines_are_accounted_for(self, sample_with_issue: Path) -> None:
        """A line reported as an issue counts; the issue also reaches the caller's sink."""
        from persona_clone import CollectingIssueSink  # noqa: PLC0415

        sink = CollectingIssueSink()

        check_parser(ToyParser(), sample_with_issue, preamble=1, issues=sink)

        assert ["issue.toy:2"] == [i.location for i in sink.issues]

    def test_the_header_line_needs_preamble(self, sample: Path) -> None:
        """A header line that is neither message nor issue breaks the accounting rule."""
        with pytest.raises(AssertionError, match=r"chat\.toy:1: neither") as error:
            check_parser(ToyParser(), sample, tz="Europe/Istanbul")

        assert [ACCOUNTED] == broken_rules(error)

    def test_strict_run_of_a_sample_with_issues_is_not_read(self, sample_with_issue: Path) -> None:
        """With strict=True the first issue raises ParseError: the sample is not read."""
        with pytest.raises(AssertionError) as error:
            check_parser(ToyParser(), sample_with_issue, preamble=1, strict=True)

        assert [READ] == broken_rules(error)


class OutOfOrder(ToyParser):
    def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
        found = list(super().parse(source, context))
        yield from reversed(found)


class LostLine(ToyParser):
    def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
        for message in super().parse(source, context):
            if message.text != "morning":
                yield message


class NaiveTime(ToyParser):
    def when(self, found: str, location: str, context: ParseContext) -> pendulum.DateTime:
        return pendulum.parse(found, exact=True, tz=None)  # type: ignore[return-value]


class Eager(ToyParser):
    def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
        return iter(list(super().parse(source, context)))


class WildSniff(ToyParser):
    def sniff(self, sample: Sample) -> float:
        return 7.0


class ShySniff(ToyParser):
    def sniff(self, sample: Sample) -> float:
        return 0.1


class Crashing(ToyParser):
    def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
        yield from super().parse(source, context)
        raise KeyError("boom")


_counter = itertools.count()


class UnstableIds(ToyParser):
    def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
        for message in super().parse(source, context):
            yield Message(
                id=str(next(_counter)),
                sent_at=message.sent_at,
                author=message.author,
                text=message.text,
                kind=message.kind,
                source=message.source,
            )


class AuthoredEvent(ToyParser):
    def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
        for message in super().parse(source, context):
            yield Message(
                id=message.id,
                sent_at=message.sent_at,
                author=message.author or Participant.from_name("~"),
                text=message.text,
                kind=message.kind,
                source=message.source,
            )


class TestBrokenParsers:
    @pytest.mark.parametrize(
        ("parser", "rule", "detail"),
        [
            (OutOfOrder(), ORDER, "comes after"),
            (LostLine(), ACCOUNTED, r"chat\.toy:5: neither a message"),
            (NaiveTime(), AWARE, "naive"),
            (Eager(), LAZY, "before the first next"),
            (WildSniff(), SNIFF, "outside"),
            (ShySniff(), SNIFF, "below 0.5"),
            (Crashing(), ERRORS, "KeyError"),
            (UnstableIds(), IDS, "second run"),
            (AuthoredEvent(), SYSTEM, "author"),
        ],
        ids=lambda value: type(value).__name__ if not isinstance(value, str) else "",
    )
    def test_each_broken_rule_is_named(
        self, sample: Path, parser: ToyParser, rule: str, detail: str
    ) -> None:
        """A parser that breaks one rule fails with that rule named and the place shown."""
        with pytest.raises(AssertionError, match=detail) as error:
            check_parser(parser, sample, preamble=1, tz="Europe/Istanbul")

        assert rule in broken_rules(error)
        assert "parser 'toychat' broke" in str(error.value)

    def test_several_broken_rules_are_all_listed(self, sample: Path) -> None:
        """A parser that is out of order, loses a line and sniffs low fails with each rule."""

        class Sloppy(OutOfOrder, LostLine, ShySniff):
            pass

        with pytest.raises(AssertionError) as error:
            check_parser(Sloppy(), sample, preamble=1, tz="Europe/Istanbul")

        assert [SNIFF, ORDER, ACCOUNTED] == broken_rules(error)

    def test_out_of_order_lost_line_and_naive_time_are_all_named(self, tmp_path: Path) -> None:
        """One parser that breaks three rules before a naive time stops it fails with all three."""

        class AllWrong(ToyParser):
            def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
                ada, _bob, cem, dan, eve = super().parse(source, context)
                yield ada
                yield dan
                yield cem
                yield Message(
                    id=eve.id,
                    sent_at=eve.sent_at.replace(tzinfo=None),
                    author=eve.author,
                    text=eve.text,
                    source=eve.source,
                )

        path = tmp_path / "five.toy"
        path.write_text(
            "TOYCHAT 1\n"
            + "".join(
                f"2024-05-06T09:1{n}:00+03:00 | {who} | hi\n" for n, who in enumerate("ABCDE")
            ),
            encoding="utf-8",
        )

        with pytest.raises(AssertionError) as error:
            check_parser(AllWrong(), path, preamble=1)

        assert [ORDER, ACCOUNTED, AWARE] == broken_rules(error)
        assert "five.toy:3: neither a message" in str(error.value)

    def test_json_records_are_accounted_by_index(self, tmp_path: Path) -> None:
        """A JSON parser that skips a record without an issue breaks the accounting rule."""
        from persona_clone.parsers.discord_json import DiscordJsonParser  # noqa: PLC0415

        class Skipping(DiscordJsonParser):
            def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
                for message in super().parse(source, context):
                    if message.text != "b":
                        yield message

        path = tmp_path / "c.json"
        records = ",".join(
            f'{{"id": "{n}", "timestamp": "2024-03-01T10:0{n}:00+00:00", "content": "{t}",'
            f' "author": {{"id": "1", "name": "ada"}}}}'
            for n, t in enumerate("abc")
        )
        path.write_text(
            f'{{"guild": {{}}, "channel": {{"id": "9"}}, "messages": [{records}]}}',
            encoding="utf-8",
        )
        check_parser(DiscordJsonParser(), path)

        with pytest.raises(AssertionError, match=r"c\.json \$\.messages\[1\]: neither") as error:
            check_parser(Skipping(), path)

        assert [ACCOUNTED] == broken_rules(error)

"""
Realistic user code that mypy --strict must accept (type-checked, never run).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pendulum
from hypothesis import given

from persona_clone import (
    ChatDatasetBuilder,
    CollectingIssueSink,
    Consent,
    DatasetBuilder,
    DatasetReport,
    Example,
    LegacyDatasetBuilder,
    Merger,
    Message,
    OptOut,
    ParseContext,
    ParserRegistry,
    PrivacyReport,
    Redact,
    Sample,
    Session,
    Sessionizer,
    Source,
    Turn,
    parse,
    read_jsonl,
    write_jsonl,
)
from persona_clone.dataset import CapRepeats, Exports
from persona_clone.testing import FakeClock, make_message
from persona_clone.testing.strategies import chats, gaps


def pipeline(path: str) -> list[tuple[Turn, ...]]:
    sink = CollectingIssueSink()
    messages: Iterator[Message] = parse(path, tz="Europe/Istanbul", issues=sink)
    sessions: Iterator[Session] = Sessionizer(gap=dt.timedelta(minutes=4))(messages)
    turns = list(Merger(within=pendulum.duration(minutes=2))(sessions))
    _ = [str(issue) for issue in sink.issues]
    return turns


def dataset(path: str) -> DatasetReport:
    sessions = Merger()(Sessionizer()(parse(path, tz="Europe/Istanbul")))
    privacy = PrivacyReport()
    consent = Consent(consenting=frozenset({"Deniz"}), excluded=frozenset({"Mert"}))
    private = OptOut(consent=consent, report=privacy)(sessions)
    builder: DatasetBuilder = ChatDatasetBuilder.for_persona(
        "Deniz",
        system_prompt="Deniz, 27, Istanbul.",
        message_steps=[Redact.for_consent(consent, report=privacy)],
        example_steps=[CapRepeats(max_repeats=3)],
    )
    first: list[Example] = list(builder(private))
    legacy = LegacyDatasetBuilder.for_persona("Deniz", named=True)
    _ = [e.trained_turns for e in first], legacy.renderer.stop
    both = Exports(streams=[Merger()(Sessionizer()(parse(p))) for p in (path, "b.json")])
    return builder.write(both, "out/train.jsonl", privacy=privacy)


class LineParser:
    name = "line"

    def sniff(self, sample: Sample) -> float:
        return 1.0 if sample.text().startswith("LINE ") else 0.0

    def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
        with source.open_text() as handle:
            for number, line in enumerate(handle, start=1):
                if not line.startswith("LINE "):
                    context.report(f"{source.display()}:{number}", "LINE <text>", line)
                    continue
                yield make_message(text=line[5:].rstrip("\n"))


registry = ParserRegistry.of(LineParser)
clock = FakeClock()
clock.advance(seconds=30)
write_jsonl([make_message()], "out.jsonl")
first: Message = next(read_jsonl("out.jsonl"))
sessions: list[Session] = list(read_jsonl("out.jsonl", Session))


@given(chats(), gaps())
def test_user_property(chat: list[Message], gap: pendulum.Duration) -> None:
    assert chat == [m for s in Sessionizer(gap=gap)(chat) for m in s.messages]

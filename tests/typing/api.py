"""
Realistic user code that mypy --strict must accept (type-checked, never run).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import openai
import pendulum
from hypothesis import given
from hypothesis import strategies as st

import persona_clone as pc
from persona_clone import (
    ChatDatasetBuilder,
    ChatRenderer,
    CollectingIssueSink,
    Consent,
    ConversationBuffer,
    DatasetBuilder,
    DatasetReport,
    Example,
    FineTuner,
    LegacyDatasetBuilder,
    LegacyRenderer,
    LoraFineTuner,
    Merger,
    Message,
    NameRenderer,
    OpenAIFineTuner,
    OptOut,
    ParseContext,
    ParserRegistry,
    Participant,
    ParticipantResolver,
    PrivacyReport,
    Redact,
    Sample,
    Session,
    Sessionizer,
    Source,
    TuningResult,
    Turn,
    parse,
)
from persona_clone.curation import Decision, ReviewState, example_key, review_path
from persona_clone.curation.rules import ApplyReview, CapPhrases, DropLaughterOnly
from persona_clone.dataset import CapRepeats, Exports
from persona_clone.dataset.steps import ExampleStep
from persona_clone.evaluation import (
    CloneModel,
    Evaluation,
    Evaluator,
    RequestPlan,
    read_conversations,
    render_page,
    write_outputs,
)
from persona_clone.parsers import read_jsonl, write_jsonl
from persona_clone.testing import FakeClock, check_parser, make_message, make_participant
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


@given(
    chats(texts=st.text("abc ", min_size=1), authors=make_participant("Ada"), max_size=10),
    gaps(min_gap=pendulum.duration(minutes=1), max_gap=dt.timedelta(hours=1)),
)
def test_user_renderer(chat: list[Message], gap: pendulum.Duration) -> None:
    assert all(m.text.strip(" abc") == "" for m in chat)


def plugin_time(context: ParseContext, found: str | int) -> pendulum.DateTime:
    return context.time(found, location="chat.txt:3", unit="milliseconds")


checked: list[Message] = check_parser(LineParser(), "chat.txt", preamble=0, tz="Europe/Istanbul")


class Initials:
    """A user's own `NameRenderer`: speakers appear by their initials."""

    def openai_name(self, participant: Participant) -> str:
        return "".join(word[0] for word in participant.name.split()) or "X"

    def display_name(self, participant: Participant) -> str:
        return self.openai_name(participant)


class Nobody:
    """A user's own `ParticipantResolver` that leaves every speaker as they are."""

    def resolve(self, participant: Participant) -> Participant:
        return participant


def builders(persona: Participant) -> list[DatasetBuilder]:
    names: NameRenderer = Initials()
    aliases: ParticipantResolver = Nobody()
    chat = ChatRenderer(persona=persona, names=names, aliases=aliases, system_prompt="You.")
    legacy = LegacyRenderer(persona=persona, names=names, aliases=aliases)
    return [ChatDatasetBuilder(renderer=chat), LegacyDatasetBuilder(renderer=legacy)]


def tune(tuner: FineTuner, dataset: Path) -> str | None:
    plan = tuner.prepare(dataset)
    result: TuningResult = tuner.follow(tuner.start(plan))
    return result.model if result.succeeded else None


def backends(dataset: Path) -> list[str | None]:
    local = LoraFineTuner(model="tiny", output_dir=Path("adapters"))
    tuners: list[FineTuner] = [OpenAIFineTuner.from_env(), local]
    return [tune(tuner, dataset) for tuner in tuners]


def serve(messages: Iterator[Message], now: dt.datetime) -> list[Turn]:
    buffer = ConversationBuffer("Ada", max_entries=10, quiet=dt.timedelta(seconds=20))
    for message in messages:
        buffer.add(message)
    return list(buffer.entries) if buffer.ready_to_reply(now) else []


async def evaluate(dataset: Path, client: openai.AsyncOpenAI) -> tuple[float, float]:
    evaluator = Evaluator(conversations=read_conversations(dataset), replays=3, rounds=5)
    plan: RequestPlan = evaluator.plan(max_reply_tokens=128)
    result: Evaluation = await evaluator.run(CloneModel(client=client, model="ft:x"), plan=plan)
    write_outputs(result, Path("eval"), page=render_page(result))
    return result.style_distance, result.loop_rate


def curate(dataset: Path) -> list[ExampleStep]:
    state = ReviewState.load(review_path(dataset))
    state.decide(example_key({"messages": []}), Decision.DROP)
    return [ApplyReview(dropped=state.dropped()), DropLaughterOnly(), CapPhrases(caps={"lol": 3})]


via_module: pc.Sessionizer = pc.Sessionizer()

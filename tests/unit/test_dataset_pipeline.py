"""Tests for persona_clone.dataset.pipeline and persona_clone.dataset.build."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest
from attrs import evolve
from hypothesis import given, settings
from hypothesis import strategies as st

from dataset_support import START, NoAliases, PlainNames, chat, conversation, sessions_of
from persona_clone import (
    AliasMap,
    Consent,
    Identity,
    Merger,
    Message,
    MessageKind,
    Participant,
    Redact,
    Sessionizer,
)
from persona_clone.dataset import (
    BuildStats,
    ChatDatasetBuilder,
    DatasetFormat,
    DatasetPipeline,
    Exports,
    SessionSplit,
    build_dataset,
    report_json,
    report_text,
)
from persona_clone.dataset.pipeline import _Reservoir
from persona_clone.dataset.rendering import ChatRenderer
from persona_clone.dataset.tokens import EstimatingCounter
from persona_clone.errors import ConfigError
from persona_clone.testing.strategies import chats


DENIZ = Participant.from_name("Deniz")


def pipeline(**overrides: object) -> DatasetPipeline:
    builder = ChatDatasetBuilder(
        renderer=ChatRenderer(persona=DENIZ, names=PlainNames(), aliases=NoAliases())
    )
    values: dict[str, object] = {"builder": builder}
    values.update(overrides)
    return DatasetPipeline(**values)  # type: ignore[arg-type]


class TestDatasetPipeline:
    def test_one_example_per_session_where_the_persona_speaks(self) -> None:
        """Sessions where the persona is silent are skipped and counted."""
        messages = [
            *chat(("Ayşe", "a"), ("Deniz", "b")),
            *chat(("Ayşe", "c"), ("Mert", "d"), start=START.add(hours=2)),
        ]
        messages = [evolve(m, id=str(i)) for i, m in enumerate(messages)]
        run = pipeline()

        examples = list(run.examples(sessions_of(messages)))

        assert 1 == len(examples)
        assert (2, 1) == (run.stats.sessions, run.stats.sessions_used)
        assert {"persona silent": 1} == dict(run.stats.skipped_sessions)

    def test_a_reply_to_an_earlier_session_brings_the_question_in(self) -> None:
        """A late answer gets the message it answers as untrained context."""
        question = chat(("Mert", "podcast neydi?"))
        answer = chat(("Deniz", "Kulak Misafiri"), start=START.add(hours=3))
        messages = [question[0], evolve(answer[0], id="late", reply_to=question[0].id)]
        run = pipeline()

        (example,) = run.examples(sessions_of(messages))

        assert ["podcast neydi?", "Kulak Misafiri"] == [t.text for t in example.turns]
        assert (True, False) == example.quoted
        assert 1 == run.stats.quoted_turns

    def test_reply_memory_is_bounded(self) -> None:
        """Only the last reply_memory messages of an export can be brought in."""
        old = chat(("Mert", "çok eski soru"), ("Ayşe", "eski soru"))
        late = chat(
            ("Deniz", "cevap 1"),
            ("Mert", "x"),
            ("Deniz", "cevap 2"),
            start=START.add(hours=3),
        )
        messages = [
            old[0],
            old[1],
            evolve(late[0], id="a", reply_to=old[0].id),
            evolve(late[1], id="b"),
            evolve(late[2], id="c", reply_to=old[1].id),
        ]
        run = pipeline(reply_memory=1)

        examples = list(run.examples(sessions_of(messages)))

        assert ["cevap 1", "x", "eski soru", "cevap 2"] == [t.text for t in examples[-1].turns]

    def test_several_exports_merge_chronologically(self) -> None:
        """Sessions of several exports come out in time order."""
        early = conversation(2)
        late = [
            evolve(m, id=f"b{m.id}", sent_at=m.sent_at + dt.timedelta(minutes=30))
            for m in conversation(2)
        ]
        run = pipeline()

        exports = Exports(streams=[sessions_of(late), sessions_of(early)])

        starts = [e.turns[0].start for e in run.examples(exports)]

        assert sorted(starts) == starts
        assert 4 == run.stats.sessions

    def test_a_reply_is_looked_up_in_its_own_export(self) -> None:
        """With Exports, a reply never brings in a message of another export."""
        question = chat(("Mert", "podcast neydi?"), source="a.json")
        answer = chat(("Deniz", "Kulak Misafiri"), start=START.add(hours=3), source="b.json")
        late = [evolve(answer[0], id="late", reply_to=question[0].id)]
        run = pipeline()

        alone = list(run.examples(sessions_of([question[0], *late])))
        (example,) = run.examples(Exports(streams=[sessions_of(question), sessions_of(late)]))

        assert ["podcast neydi?", "Kulak Misafiri"] == [t.text for t in alone[0].turns]
        assert ["Kulak Misafiri"] == [t.text for t in example.turns]

    def test_write_splits_by_session(self, tmp_path: Path) -> None:
        """Train and validation files never share a session."""
        run = pipeline(split=SessionSplit(validation_share=0.3, seed=5))

        paths = run.write(sessions_of(conversation(30)), tmp_path / "train.jsonl")

        def sessions(path: Path) -> set[str]:
            return {
                json.loads(line)["messages"][0]["content"].split(":")[0]
                for line in path.read_text(encoding="utf-8").splitlines()
            }

        assert sessions(paths["train"]).isdisjoint(sessions(paths["validation"]))
        assert 30 == sum(run.stats.examples.values())

    def test_over_budget_turns_are_reported(self) -> None:
        """A persona turn larger than the budget is skipped with its location."""
        messages = chat(("Ayşe", "a"), ("Deniz", "x" * 4_000))
        run = pipeline(budget=200, counter=EstimatingCounter())

        assert [] == list(run.examples(sessions_of(messages)))
        assert 1 == run.stats.skipped_turns["over the token budget alone"]
        assert run.stats.skipped_turn_locations[0].startswith("chat.txt:2")


class TestBuildDataset:
    def test_builds_validates_and_reports(self, tmp_path: Path) -> None:
        """The main call writes the files and a report with privacy and names."""
        messages = conversation(12)
        messages[1] = evolve(messages[1], text="ara beni +90 532 555 01 47")

        report = build_dataset(
            [messages],
            tmp_path,
            persona="Deniz",
            consenting=["Deniz"],
            counter=EstimatingCounter(),
        )

        assert report.ok, report.problems
        assert {"train": 12} == report.examples
        assert "<PHONE>" in (tmp_path / "train.jsonl").read_text(encoding="utf-8")
        assert "+90 532" not in (tmp_path / "train.jsonl").read_text(encoding="utf-8")
        assert 0.5 == report.persona_share
        assert report.cost is not None
        assert "Ayse" == report.names["Ayşe"]
        assert "Validation: accepted" in report_text(report)
        assert json.dumps(report_json(report))

    def test_consent_from_the_people_file(self, tmp_path: Path) -> None:
        """A Consent (as read from a people file) applies; an opted-out alias is redacted too."""
        messages = conversation(12)
        messages[1] = evolve(messages[1], text="Memo geliyor mu?")
        aliases = AliasMap(identities=(Identity(id="mert", name="Mert", aliases=("Memo",)),))
        consent = Consent(consenting=frozenset({"Deniz"}), excluded=frozenset({"mert"}))

        report = build_dataset(
            [messages],
            tmp_path,
            persona="Deniz",
            aliases=aliases,
            consent=consent,
            counter=EstimatingCounter(),
        )

        written = (tmp_path / "train.jsonl").read_text(encoding="utf-8")
        assert report.ok, report.problems
        assert "memo" not in written.lower()
        assert "mert" not in written.lower()
        assert "<NAME> geliyor mu?" in written
        assert 12 == report.privacy["messages_replaced"]

    def test_persona_without_consent_is_refused(self, tmp_path: Path) -> None:
        """Without consent nothing is built."""
        with pytest.raises(ConfigError):
            build_dataset(
                [conversation(1)],
                tmp_path,
                persona="Deniz",
                counter=EstimatingCounter(),
            )

    def test_persona_who_never_speaks(self, tmp_path: Path) -> None:
        """A persona absent from the input is an error naming who does speak."""
        with pytest.raises(ConfigError, match="Ayşe"):
            build_dataset(
                [conversation(2)],
                tmp_path,
                persona="Zeynep",
                consenting=["Zeynep"],
                counter=EstimatingCounter(),
            )

    def test_too_few_examples_is_a_problem(self, tmp_path: Path) -> None:
        """A dataset the service would refuse says so in the report."""
        report = build_dataset(
            [conversation(3)],
            tmp_path,
            persona="Deniz",
            consenting=["Deniz"],
            counter=EstimatingCounter(),
        )

        assert not report.ok
        assert "at least 10 examples" in report.problems[0]

    def test_lines_are_checked_as_they_are_written(self, tmp_path: Path) -> None:
        """A line the service would refuse is reported with its file and line."""

        class BadNames(PlainNames):
            def openai_name(self, participant: Participant) -> str:
                return participant.name  # "Ayşe" is not a valid name field

        report = build_dataset(
            [conversation(10)],
            tmp_path,
            persona="Deniz",
            consenting=["Deniz"],
            counter=EstimatingCounter(),
            names=BadNames(),
        )

        assert report.problems[0].startswith(f"{tmp_path / 'train.jsonl'}:1: messages[0]")
        assert "'name' matching" in report.problems[0]

    def test_an_empty_validation_file_is_not_kept(self, tmp_path: Path) -> None:
        """When no session is drawn for validation the file is removed and noted."""
        report = build_dataset(
            [conversation(10)],
            tmp_path,
            persona="Deniz",
            consenting=["Deniz"],
            counter=EstimatingCounter(),
            validation_share=0.001,
        )

        assert not (tmp_path / "validation.jsonl").exists()
        assert any("no session was drawn for validation" in n for n in report.notes)

    def test_legacy_defaults_to_a_completion_model(self, tmp_path: Path) -> None:
        """The legacy format is planned for davinci-002 and tells the stop sequence."""
        report = build_dataset(
            [conversation(10)],
            tmp_path,
            persona="Deniz",
            consenting=["Deniz"],
            format=DatasetFormat.LEGACY,
            counter=EstimatingCounter(),
        )

        assert report.ok, report.problems
        assert "davinci-002" == report.model
        assert any("stop='\\n###'" in note for note in report.notes)


class TestPhraseSample:
    """The bounded sample of turns the phrase report reads."""

    def test_a_short_stream_is_kept_whole_and_in_order(self) -> None:
        """Up to the sample size, every text is kept."""
        stats = BuildStats()
        rng = random.Random(1)  # noqa: S311
        for number in range(50):
            stats.sample_persona(f"t{number}", rng)

        assert [f"t{number}" for number in range(50)] == stats.persona_sample

    def test_a_long_stream_keeps_the_sample_size_of_distinct_texts(self) -> None:
        """Past the size, the sample stays full, each text kept at most once."""
        items: list[str] = []
        sample = _Reservoir(items, random.Random(7), size=100)  # noqa: S311
        for number in range(10_000):
            sample.add(str(number))

        assert 100 == len(items) == len(set(items))
        assert all(0 <= int(item) < 10_000 for item in items)

    def test_every_position_is_equally_likely(self) -> None:
        """Over many seeded runs each tenth of the stream fills about a tenth of the sample."""
        tenths = [0] * 10
        for seed in range(300):
            items: list[str] = []
            sample = _Reservoir(items, random.Random(seed), size=20)  # noqa: S311
            for number in range(1_000):
                sample.add(str(number))
            for item in items:
                tenths[int(item) // 100] += 1

        expected = 300 * 20 / 10  # 600 per tenth
        assert all(abs(count - expected) < 0.15 * expected for count in tenths), tenths


class TestLazySessions:
    @settings(max_examples=60)
    @given(
        chats(
            authors=st.sampled_from([DENIZ, Participant.from_name("Ayşe")]),
            texts=st.sampled_from(["selam", "+90 532 123 45 67", "ada@example.com", "lol", ""]),
            kinds=st.sampled_from(list(MessageKind)),
            max_size=30,
        )
    )
    def test_lazy_sessions_give_the_same_examples(self, messages: list[Message]) -> None:
        """Sessions merged when read (Merger.lazy) give the examples merged ones give."""
        eager, lazy = pipeline(message_steps=[Redact()]), pipeline(message_steps=[Redact()])

        expected = [
            (tuple(turn.text for turn in example.turns), example.trained)
            for example in eager.examples(Merger()(Sessionizer()(messages)))
        ]
        found = [
            (tuple(turn.text for turn in example.turns), example.trained)
            for example in lazy.examples(Merger().lazy(Sessionizer()(messages)))
        ]

        assert expected == found
        assert eager.stats == lazy.stats

"""Tests for the bundled sample chat (persona_clone.samples)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dataset_support import SampleWhatsAppParser
from persona_clone.dataset import build_dataset
from persona_clone.dataset.tokens import EstimatingCounter
from persona_clone.parsers import ParserRegistry, parse
from persona_clone.samples import (
    SAMPLE_PARTICIPANTS,
    SAMPLE_PERSONA,
    SAMPLE_TZ,
    sample_path,
)


HEADER = re.compile(r"^(\d\d)/(\d\d)/(\d{4}), (\d\d):(\d\d) - ", re.MULTILINE)


@pytest.fixture(name="text")
def _text() -> str:
    with sample_path() as path:
        return path.read_text(encoding="utf-8")


class TestSampleFile:
    def test_it_is_a_few_hundred_messages_in_day_first_24_hour_form(self, text: str) -> None:
        """A few hundred entries, days above 12 (day first is decidable), 24 h."""
        headers = HEADER.findall(text)

        assert 250 <= len(headers) <= 400
        assert any(int(day) > 12 for day, *_ in headers)
        assert any(int(hour) > 12 for _, _, _, hour, _ in headers)

    def test_it_holds_every_feature_the_pipeline_must_handle(self, text: str) -> None:
        """Media, deletion, edit, phone author, phone, e-mail and Turkish letters."""
        for feature in (
            "<Media omitted>",
            "This message was deleted",
            " <This message was edited>",
            "\u202a+90 532 555 01 47\u202c: ",
            "0532 555 19 82",
            "@rumelikahvalti.example.com",
            "changed the group name to",
            "ı",
            "İ",
            "ş",
            "ğ",
        ):
            assert feature in text

    def test_persona_laughs_too_much(self, text: str) -> None:
        """The suggested persona says haha and lol often, for the repetition report."""
        persona_lines = [line for line in text.splitlines() if f" - {SAMPLE_PERSONA}: " in line]

        assert sum("haha" in line.lower() or "lol" in line for line in persona_lines) > 40


class TestSampleDataset:
    def test_the_sample_builds_a_valid_dataset(self, tmp_path: Path) -> None:
        """Read with a WhatsApp reader, the sample gives an accepted dataset."""
        registry = ParserRegistry.of(SampleWhatsAppParser)
        with sample_path() as path:
            messages = parse(path, format="whatsapp", tz=SAMPLE_TZ, registry=registry)
            report = build_dataset(
                [messages],
                tmp_path,
                persona=SAMPLE_PERSONA,
                consenting=SAMPLE_PARTICIPANTS,
                counter=EstimatingCounter(),
                validation_share=0.2,
                seed=1,
            )

        written = (tmp_path / "train.jsonl").read_text(encoding="utf-8")
        assert report.ok, report.problems
        assert report.examples["train"] >= 10
        assert "+90 532 555 01 47" not in written
        assert "0532 555 19 82" not in written
        assert "This message was deleted" not in written
        assert "haha" in {p.phrase for p in report.repeated_phrases}

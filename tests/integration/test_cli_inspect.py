"""The ``persona-clone inspect`` command on exports a user really has."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from persona_clone.cli import main
from persona_clone.cli._exports import DATE_ORDERS
from persona_clone.parsers import CollectingIssueSink, parse, write_jsonl
from persona_clone.parsers.whatsapp.grammar import DateOrder


_JOINED_LATER = """\
12/03/2024, 10:15 - Messages and calls are end-to-end encrypted. No one outside of this chat, \
not even WhatsApp, can read or listen to them. Tap to learn more.
10/03/2024, 09:00 - Ada created group "Book club"
13/03/2024, 10:16 - Ada: hello all
13/03/2024, 10:17 - Bob: hi ada
"""


class TestInspect:
    def test_lines_moved_into_place_are_not_called_unreadable(self, tmp_path: Path) -> None:
        """A group export stamped out of order is read whole; its warnings are not 'unreadable'."""
        export = tmp_path / "chat.txt"
        export.write_text(_JOINED_LATER, encoding="utf-8")

        result = CliRunner().invoke(main, ["inspect", str(export)])

        assert 0 == result.exit_code, result.output
        assert "4 messages" in result.stdout
        assert "could not be read" not in result.stdout
        assert "1 problem(s) while reading; first: " in result.stdout
        assert "chronological order (moved back into place)" in result.stdout


def _undecided(path: Path) -> Path:
    """Write a WhatsApp export whose dates read chronologically day-first and month-first."""
    lines = [
        f"01/{month:02d}/2024, 10:0{minute} - {who}: {text} {month}"
        for month in range(2, 13)
        for minute, (who, text) in enumerate(
            [("Ada", "question"), ("Deniz", "an answer"), ("Ada", "thanks"), ("Deniz", "any time")]
        )
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class TestDateOrder:
    def test_the_choices_are_the_date_orders(self) -> None:
        """--date-order offers exactly DateOrder's names (spelled out to keep --help light)."""
        assert tuple(order.name for order in DateOrder) == DATE_ORDERS

    def test_undecided_order_warns_naming_the_option(self, tmp_path: Path) -> None:
        """Without --date-order the guess is reported, and the advice names the option."""
        export = _undecided(tmp_path / "chat.txt")

        result = CliRunner().invoke(main, ["inspect", str(export), "--json"])

        summary = json.loads(result.stdout)[0]
        assert 0 == result.exit_code, result.output
        assert "2024-02-01T10:00:00+00:00" == summary["first"]
        assert 1 == len(summary["problems"])
        assert "no date proves the day/month order" in summary["problems"][0]
        assert "--date-order" in summary["problems"][0]

    @pytest.mark.parametrize(
        ("order", "first", "last"),
        [
            ("MDY", "2024-01-02T10:00:00+00:00", "2024-01-12T10:03:00+00:00"),
            ("mdy", "2024-01-02T10:00:00+00:00", "2024-01-12T10:03:00+00:00"),
            ("DMY", "2024-02-01T10:00:00+00:00", "2024-12-01T10:03:00+00:00"),
        ],
    )
    def test_inspect_reads_the_given_order_without_a_warning(
        self, tmp_path: Path, order: str, first: str, last: str
    ) -> None:
        """--date-order reads the dates in that order, and nothing is left to warn about."""
        export = _undecided(tmp_path / "chat.txt")

        result = CliRunner().invoke(main, ["inspect", str(export), "--date-order", order, "--json"])

        summary = json.loads(result.stdout)[0]
        assert 0 == result.exit_code, result.output
        assert (first, last) == (summary["first"], summary["last"])
        assert [] == summary["problems"]

    def test_build_takes_the_order_without_a_warning(self, tmp_path: Path) -> None:
        """Build --date-order reads the export without the guessed-order note."""
        export = _undecided(tmp_path / "chat.txt")
        build = ["build", str(export), "--persona", "Deniz", "--attest-consent", "-o"]

        guessed = CliRunner().invoke(main, [*build, str(tmp_path / "a")])
        chosen = CliRunner().invoke(main, [*build, str(tmp_path / "b"), "--date-order", "MDY"])

        assert 0 == guessed.exit_code, guessed.output
        assert "pass date_order= (--date-order on the command line)" in guessed.stdout
        assert 0 == chosen.exit_code, chosen.output
        assert "day/month" not in chosen.stdout
        assert "input problem" not in chosen.stdout

    def test_an_export_without_date_order_refuses_it(self, tmp_path: Path) -> None:
        """--date-order for exports none of which writes ambiguous dates is a usage error."""
        jsonl = _interchange(_undecided(tmp_path / "chat.txt"), tmp_path / "chat.jsonl")

        result = CliRunner().invoke(main, ["inspect", str(jsonl), "--date-order", "DMY"])

        assert 2 == result.exit_code
        assert (
            "--date-order: expected an export whose dates need it (WhatsApp), "
            "found persona-clone-jsonl"
        ) in result.output

    def test_a_whatsapp_export_among_others_takes_it(self, tmp_path: Path) -> None:
        """With a WhatsApp export and one of another format, the order goes to WhatsApp's."""
        export = _undecided(tmp_path / "chat.txt")
        jsonl = _interchange(export, tmp_path / "chat.jsonl")

        result = CliRunner().invoke(
            main, ["inspect", str(export), str(jsonl), "--date-order", "MDY", "--json"]
        )

        summaries = json.loads(result.stdout)
        assert 0 == result.exit_code, result.output
        assert ["whatsapp", "persona-clone-jsonl"] == [s["format"] for s in summaries]
        assert "2024-01-02T10:00:00+00:00" == summaries[0]["first"]
        assert "2024-02-01T10:00:00+00:00" == summaries[1]["first"]  # as written, day first


def _interchange(export: Path, path: Path) -> Path:
    """Write *export*'s messages, read day first, as persona_clone's own JSONL."""
    write_jsonl(parse(export, issues=CollectingIssueSink()), path)
    return path

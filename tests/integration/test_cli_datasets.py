"""End-to-end tests of the inspect, build and validate commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pendulum
import pytest
from attrs import evolve
from click.testing import CliRunner, Result

from dataset_support import (
    InterchangeParser,
    SampleWhatsAppParser,
    conversation,
    write_export,
)
from persona_clone.cli import main
from persona_clone.parsers import ParserRegistry
from persona_clone.samples import sample_path


REGISTRY = ParserRegistry.of(InterchangeParser)


def invoke(*args: str, registry: ParserRegistry | None = REGISTRY) -> Result:
    obj = {"registry": registry} if registry is not None else None
    return CliRunner().invoke(main, list(args), obj=obj)


@pytest.fixture(name="export")
def _export(tmp_path: Path) -> Path:
    return write_export(tmp_path / "chat.jsonl", conversation(20))


class TestBuild:
    def test_builds_a_chat_dataset_with_a_report(self, export: Path, tmp_path: Path) -> None:
        """Build writes train.jsonl, report.json and report.txt, and exits 0."""
        out = tmp_path / "out"

        result = invoke(
            "build",
            str(export),
            "--persona",
            "Deniz",
            "--attest-consent",
            "-o",
            str(out),
        )

        assert 0 == result.exit_code, result.output
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        assert {"train": 20} == report["examples"]
        assert [] == report["problems"]
        assert (out / "report.txt").read_text(encoding="utf-8") in result.output
        assert 20 == len((out / "train.jsonl").read_text(encoding="utf-8").splitlines())

    def test_validation_share_and_sharegpt(self, export: Path, tmp_path: Path) -> None:
        """A validation share adds validation.jsonl; sharegpt adds dataset_info.json."""
        out = tmp_path / "out"

        result = invoke(
            "build",
            str(export),
            "--persona",
            "Deniz",
            "--attest-consent",
            "-o",
            str(out),
            "--format",
            "sharegpt",
            "--validation-share",
            "0.25",
            "--seed",
            "3",
        )

        assert 0 == result.exit_code, result.output
        info = json.loads((out / "dataset_info.json").read_text(encoding="utf-8"))
        assert {"persona", "persona_validation"} == set(info)
        assert (out / "validation.jsonl").exists()

    def test_several_exports_combine(self, tmp_path: Path) -> None:
        """Two exports of the same person give one dataset."""
        first = write_export(tmp_path / "a.jsonl", conversation(6))
        second = write_export(tmp_path / "b.jsonl", conversation(6)[::1])
        out = tmp_path / "out"

        result = invoke(
            "build",
            str(first),
            str(second),
            "--persona",
            "Deniz",
            "--attest-consent",
            "-o",
            str(out),
        )

        assert 0 == result.exit_code, result.output
        assert (
            12 == json.loads((out / "report.json").read_text(encoding="utf-8"))["examples"]["train"]
        )

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--persona", "Deniz"], "Deniz"),
            (["--persona", "Nobody", "--attest-consent"], "found no message by them"),
        ],
    )
    def test_user_errors_are_one_line(
        self, export: Path, tmp_path: Path, args: list[str], message: str
    ) -> None:
        """A user error exits 1 with one line and no traceback."""
        result = invoke("build", str(export), "-o", str(tmp_path / "out"), *args)

        errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
        assert 1 == result.exit_code
        assert 1 == len(errors)
        assert message in errors[0]
        assert "Traceback" not in result.output

    def test_exports_or_sample_are_required(self, tmp_path: Path) -> None:
        """Without EXPORT or --sample the command explains its usage."""
        result = invoke("build", "--persona", "Deniz", "-o", str(tmp_path))

        assert 2 == result.exit_code
        assert "give EXPORT paths or --sample" in result.output

    def test_a_message_redacted_by_two_steps_counts_once(self, tmp_path: Path) -> None:
        """A message with an opted-out name and a phone number is one message redacted."""
        lines = [
            line
            if line.text != "ben de geliyorum"
            else evolve(line, text="Mert'in numarası +90 532 123 45 67")
            for line in conversation(12, others=("Mert", "Ayşe"))
        ]
        export = write_export(tmp_path / "chat.jsonl", lines)
        out = tmp_path / "out"

        result = invoke(
            "build",
            str(export),
            "--persona",
            "Deniz",
            "--attest-consent",
            "--exclude",
            "Mert",
            "-o",
            str(out),
        )

        assert 0 == result.exit_code, result.output
        privacy = json.loads((out / "report.json").read_text(encoding="utf-8"))["privacy"]
        assert (12, 12, 12, 12) == (
            privacy["messages_redacted"],
            privacy["messages_replaced"],
            privacy["redactions"]["name"],
            privacy["redactions"]["phone"],
        )

    @pytest.mark.parametrize("space", [" ", "\u00a0"])
    def test_errors_quote_no_number_in_direction_marks(
        self, export: Path, tmp_path: Path, space: str
    ) -> None:
        """An error quoting a number in WhatsApp's direction marks shows none of its digits."""
        number = "\u202a" + space.join(["+90", "532", "555", "01", "47"]) + "\u202c"

        result = invoke(
            "build",
            str(export),
            "--persona",
            "Deniz",
            "--consenting",
            number,
            "--exclude",
            number,
            "-o",
            str(tmp_path / "out"),
        )

        assert 1 == result.exit_code
        assert "found both for '\\u202a<PHONE>\\u202c'" in result.output
        for piece in ("+90", "532", "555", "47"):
            assert piece not in result.output

    def test_help_teaches(self) -> None:
        """The help names the main options and shows examples."""
        result = invoke("build", "--help")

        for text in (
            "--persona",
            "--exclude",
            "--no-redact",
            "--validation-share",
            "--sample",
            "Examples:",
        ):
            assert text in result.output

    def test_bundled_sample_with_a_whatsapp_reader(self, tmp_path: Path) -> None:
        """The README's main job works when a WhatsApp parser is available."""
        out = tmp_path / "out"

        result = invoke(
            "build",
            "--sample",
            "--persona",
            "Deniz",
            "-o",
            str(out),
            registry=ParserRegistry.of(SampleWhatsAppParser),
        )

        assert 0 == result.exit_code, result.output
        assert "Validation: accepted" in result.output
        assert "Contact_1" in (out / "train.jsonl").read_text(encoding="utf-8")
        assert "+90 532 555 01 47" not in result.output
        assert "-> Contact_1" in result.output
        assert "532 555" not in (out / "report.txt").read_text(encoding="utf-8")


def _has_whatsapp() -> bool:
    return "whatsapp" in ParserRegistry.default().names


@pytest.mark.skipif(not _has_whatsapp(), reason="no 'whatsapp' parser is registered on this branch")
class TestBundledSampleWithRealParser:
    def test_readme_main_job(self, tmp_path: Path) -> None:
        """Build --sample --persona Deniz -o out succeeds with the real parser."""
        result = invoke(
            "build",
            "--sample",
            "--persona",
            "Deniz",
            "-o",
            str(tmp_path / "out"),
            registry=None,
        )

        assert 0 == result.exit_code, result.output
        assert "Validation: accepted" in result.output

    def test_excluded_person_leaves_no_trace(self, tmp_path: Path) -> None:
        """An --exclude'd person is in no file: not as a speaker, not by name in others' text."""
        out = tmp_path / "out"

        result = invoke(
            "build",
            "--sample",
            "--persona",
            "Deniz",
            "--exclude",
            "Mert",
            "--validation-share",
            "0.3",
            "-o",
            str(out),
            registry=None,
        )

        assert 0 == result.exit_code, result.output
        written = "".join(
            (out / name).read_text(encoding="utf-8")
            for name in ("train.jsonl", "validation.jsonl", "report.json", "report.txt")
        )
        assert "mert" not in written.lower()
        assert "<NAME>" in written
        assert (
            0
            < json.loads((out / "report.json").read_text(encoding="utf-8"))["privacy"][
                "messages_replaced"
            ]
        )

    @pytest.mark.parametrize(
        "number",
        [
            "+905325550147",
            "905325550147",
            "+90 532 555 01 47",
            "\u202a+90 532 555 01 47\u202c",
        ],
    )
    @pytest.mark.parametrize(
        ("opt_out", "replaced", "dropped"),
        [("placeholder", 14, 0), ("drop-session", 0, 12)],
    )
    def test_a_participant_known_by_number_opts_out(
        self, tmp_path: Path, number: str, opt_out: str, replaced: int, dropped: int
    ) -> None:
        """--exclude with a participant's phone number, however written, removes them."""
        out = tmp_path / "out"

        result = invoke(
            "build",
            "--sample",
            "--persona",
            "Deniz",
            "--attest-consent",
            "--exclude",
            number,
            "--opt-out",
            opt_out,
            "-o",
            str(out),
            registry=None,
        )

        assert 0 == result.exit_code, result.output
        written = result.output + "".join(
            path.read_text(encoding="utf-8") for path in sorted(out.iterdir())
        )
        for piece in ("532", "555 01", "5550147", "Contact_1"):
            assert piece not in written
        privacy = json.loads((out / "report.json").read_text(encoding="utf-8"))["privacy"]
        assert (replaced, dropped) == (privacy["messages_replaced"], privacy["sessions_dropped"])

    @pytest.mark.parametrize(
        ("opt_out", "replaced", "dropped"),
        [(None, True, False), ("drop-session", False, True)],
    )
    def test_people_file_consent_and_opt_out_apply(
        self, tmp_path: Path, opt_out: str | None, replaced: bool, dropped: bool
    ) -> None:
        """The people file's consent and opted_out entries apply, and --opt-out picks the policy."""
        export = tmp_path / "chat.txt"
        with sample_path() as path:
            export.write_bytes(path.read_bytes())
        people = tmp_path / "people.toml"
        people.write_text(
            '[[person]]\nname = "Deniz"\nconsent = true\n\n'
            '[[person]]\nname = "Mert"\nopted_out = true\n',
            encoding="utf-8",
        )
        out = tmp_path / "out"
        args = ["--opt-out", opt_out] if opt_out else []

        result = invoke(
            "build",
            str(export),
            "--tz",
            "Europe/Istanbul",
            "--persona",
            "Deniz",
            "--aliases",
            str(people),
            "--gap",
            "60",
            "-o",
            str(out),
            *args,
            registry=None,
        )

        assert 0 == result.exit_code, result.output
        assert "mert" not in (out / "train.jsonl").read_text(encoding="utf-8").lower()
        privacy = json.loads((out / "report.json").read_text(encoding="utf-8"))["privacy"]
        assert (replaced, dropped) == (
            privacy["messages_replaced"] > 0,
            privacy["sessions_dropped"] > 0,
        )

    def test_seeded_split(self, tmp_path: Path) -> None:
        """The same seed gives the same files; the split keeps every example exactly once."""

        def build(seed: int, share: float, name: str) -> tuple[list[str], list[str]]:
            out = tmp_path / name
            result = invoke(
                "build",
                "--sample",
                "--persona",
                "Deniz",
                "--validation-share",
                str(share),
                "--seed",
                str(seed),
                "-o",
                str(out),
                registry=None,
            )
            assert 0 == result.exit_code, result.output
            validation = out / "validation.jsonl"
            held_out = validation.read_text(encoding="utf-8") if validation.exists() else ""
            return (
                (out / "train.jsonl").read_text(encoding="utf-8").splitlines(),
                held_out.splitlines(),
            )

        whole, none = build(1, 0.0, "whole")
        train, validation = build(1, 0.3, "first")
        again = build(1, 0.3, "again")
        other = build(2, 0.3, "other")

        assert [] == none
        assert (train, validation) == again
        assert validation
        assert sorted(whole) == sorted(train + validation)
        assert validation != other[1]


def _group_chat(path: Path, authors: tuple[str, ...], *, days: int = 12) -> Path:
    """Write a WhatsApp export of *days* conversations (day first), each author writing twice."""
    lines = [
        f"{day:02d}/03/2024, 10:{minute:02d} - {author}: message {minute} of day {day}"
        for day in range(13, 13 + days)
        for minute, author in enumerate(authors * 2)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.skipif(not _has_whatsapp(), reason="no 'whatsapp' parser is registered on this branch")
class TestPersonaName:
    def test_letter_case_aside_the_persona_is_the_participant(self, tmp_path: Path) -> None:
        """--persona deniz clones the sample's Deniz: said on stderr, the same dataset as Deniz."""
        build = ["build", "--sample", "--persona"]

        typed = invoke(*build, "deniz", "-o", str(tmp_path / "typed"), registry=None)
        exact = invoke(*build, "Deniz", "-o", str(tmp_path / "exact"), registry=None)

        assert 0 == typed.exit_code, typed.output
        assert "--persona 'deniz' is 'Deniz' in the exports" in typed.stderr
        assert "Validation: accepted" in typed.stdout
        assert "is 'Deniz'" not in exact.stderr
        assert (tmp_path / "exact" / "train.jsonl").read_bytes() == (
            tmp_path / "typed" / "train.jsonl"
        ).read_bytes()

    def test_consenting_in_another_case_with_an_export(self, tmp_path: Path) -> None:
        """--persona ada --consenting ADA on an export of Ada's builds Ada's dataset."""
        export = _group_chat(tmp_path / "chat.txt", ("Ada", "Bob"))

        result = invoke(
            "build", str(export), "--persona", "ada", "--consenting", "ADA",
            "-o", str(tmp_path / "out"), registry=None,
        )  # fmt: skip

        assert 0 == result.exit_code, result.output
        assert "--persona 'ada' is 'Ada' in the exports" in result.stderr
        assert "Validation: accepted" in result.stdout

    def test_unknown_name_is_refused_up_front_with_the_closest(self, tmp_path: Path) -> None:
        """A name nobody has fails before building, with the closest names and inspect's counts."""
        out = tmp_path / "out"

        result = invoke("build", "--sample", "--persona", "Denis", "-o", str(out), registry=None)
        shown = invoke("inspect", "--sample", registry=None)

        errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
        assert 1 == result.exit_code
        assert [
            (
                "Error: expected the persona 'Denis' to speak in the input, found no message "
                "by them; closest: Deniz; speakers: Deniz (161), Ayşe Kaya (46), Mert (41), "
                "Çağrı Öztürk (33), +90 5** *** ** 47 (14)"
            )
        ] == errors
        assert "46  Ayşe Kaya" in shown.stdout
        assert "Examples:" not in result.output  # refused before any dataset was made
        assert not out.exists()

    def test_names_differing_only_in_case_are_ambiguous(self, tmp_path: Path) -> None:
        """Two participants 'Ada' and 'ADA' and --persona ada: refused, both named."""
        export = _group_chat(tmp_path / "chat.txt", ("Ada", "ADA", "Bob"))

        result = invoke(
            "build", str(export), "--persona", "ada", "--attest-consent",
            "-o", str(tmp_path / "out"), registry=None,
        )  # fmt: skip

        assert 1 == result.exit_code
        assert (
            "Error: --persona 'ada': expected one participant by that name, found several "
            "differing only in letter case: 'ADA', 'Ada'; give the one to clone exactly"
        ) in result.output

    def test_the_exact_name_wins_over_other_cases(self, tmp_path: Path) -> None:
        """With 'Ada' and 'ADA' in the chat, --persona ADA clones ADA without a word."""
        export = _group_chat(tmp_path / "chat.txt", ("Ada", "ADA", "Bob"))

        result = invoke(
            "build", str(export), "--persona", "ADA", "--attest-consent",
            "-o", str(tmp_path / "out"), registry=None,
        )  # fmt: skip

        assert 0 == result.exit_code, result.output
        assert "--persona" not in result.stderr
        assert "Messages: 72 read, 24 by the persona" in result.stdout

    def test_a_persona_on_dates_a_quick_look_misreads_is_found(self, tmp_path: Path) -> None:
        """A month-first export whose persona writes only on a day over 12 is still found."""
        export = tmp_path / "chat.txt"
        export.write_text(
            "".join(
                f"03/{day:02d}/2024, 10:00 - Ada: hi {day}\n03/{day:02d}/2024, 10:01 - Bob: yo\n"
                for day in range(1, 13)
            )
            + "03/25/2024, 10:00 - Zed: only once\n",
            encoding="utf-8",
        )

        result = invoke(
            "build", str(export), "--persona", "Zed", "--attest-consent",
            "-o", str(tmp_path / "out"), registry=None,
        )  # fmt: skip

        assert "found no message by them" not in result.output
        assert "Messages: 25 read, 1 by the persona" in result.output


class TestInspect:
    def test_lists_participants_and_sessions(self, export: Path) -> None:
        """Inspect shows the format, participants with counts and sessions."""
        result = invoke("inspect", str(export))

        assert 0 == result.exit_code, result.output
        assert "interchange-test" in result.output
        assert "20 sessions" in result.output
        assert "40  Deniz" in result.output

    def test_json(self, export: Path) -> None:
        """--json prints machine-readable summaries."""
        result = invoke("inspect", str(export), "--json")

        summary = json.loads(result.output[result.output.index("[") :])[0]
        assert {"Deniz": 40, "Ayşe": 20, "Mert": 20} == summary["participants"]


class TestInputFormat:
    @pytest.mark.parametrize("command", [["inspect"], ["build", "--persona", "Deniz", "-o", "out"]])
    def test_unknown_name_lists_the_registered_formats(
        self, export: Path, command: list[str]
    ) -> None:
        """--input-format nosuch names the option, every registered format and the bad value."""
        result = invoke(*command, str(export), "--input-format", "nosuch")

        assert 2 == result.exit_code
        assert (
            "Error: Invalid value for '--input-format': "
            "expected one of interchange-test, found 'nosuch'"
        ) in result.output
        assert "scores" not in result.output

    def test_unknown_name_with_the_default_registry(self) -> None:
        """Without an injected registry the choices are the built-in format names."""
        result = invoke("inspect", "--sample", "--input-format", "nosuch", registry=None)

        names = ", ".join(ParserRegistry.default().names)
        assert 2 == result.exit_code
        assert f"expected one of {names}, found 'nosuch'" in result.output

    def test_a_registered_name_is_used(self, export: Path) -> None:
        """A registered name reads the export as that format."""
        result = invoke("inspect", str(export), "--input-format", "interchange-test")

        assert 0 == result.exit_code, result.output
        assert "40  Deniz" in result.output


def _telegram_message(chat_id: int, number: int, day: int, minute: int, who: str) -> dict[str, Any]:
    stamp = pendulum.DateTime(2024, 3, day, 10, minute, tzinfo=pendulum.UTC)
    return {
        "id": number,
        "type": "message",
        "date": stamp.strftime("%Y-%m-%dT%H:%M:%S"),
        "date_unixtime": str(int(stamp.timestamp())),
        "from": who,
        "from_id": f"user{chat_id}{who}",
        "text": f"message {number}",
    }


class TestInspectMultiChat:
    def test_account_export_counts_chats_and_the_whole_date_range(self, tmp_path: Path) -> None:
        """A full-account export shows its chats, and its range spans all chats in any order."""
        later = [_telegram_message(22, n, 5, n, "Bob" if n % 2 else "Me") for n in range(1, 4)]
        earlier = [_telegram_message(11, n, 1, n, "Ada" if n % 2 else "Me") for n in range(1, 3)]
        export = tmp_path / "result.json"
        export.write_text(
            json.dumps(
                {
                    "about": "Here is the data you requested.",
                    "chats": {
                        "about": "chats",
                        "list": [
                            {"name": "Grup", "type": "private_group", "id": 22, "messages": later},
                            {"name": "Ada", "type": "personal_chat", "id": 11, "messages": earlier},
                        ],
                    },
                }
            ),
            encoding="utf-8",
        )

        result = invoke("inspect", str(export), "--json", registry=None)

        assert 0 == result.exit_code, result.output
        summary = json.loads(result.stdout)[0]
        assert ("telegram", 5) == (summary["format"], summary["messages"])
        assert 2 == len(summary["chats"])
        assert [2, 3] == sorted(summary["chats"].values())
        assert summary["first"].startswith("2024-03-01T10:01")
        assert summary["last"].startswith("2024-03-05T10:03")
        assert 2 == summary["sessions"]


class TestValidate:
    def test_accepted_file(self, export: Path, tmp_path: Path) -> None:
        """A file build wrote is accepted with a summary and exit 0."""
        out = tmp_path / "out"
        invoke(
            "build",
            str(export),
            "--persona",
            "Deniz",
            "--attest-consent",
            "-o",
            str(out),
        )

        result = invoke("validate", str(out / "train.jsonl"))

        assert 0 == result.exit_code, result.output
        assert "accepted (chat format, 20 examples" in result.output

    def test_rejected_file_lists_every_problem(self, tmp_path: Path) -> None:
        """Each problem is printed as FILE:LINE: problem and the exit status is 1."""
        path = tmp_path / "bad.jsonl"
        path.write_text('{"messages": []}\nnot json\n', encoding="utf-8")

        result = invoke("validate", str(path))

        assert 1 == result.exit_code
        assert f"{path}:1: missing_messages_list" in result.output
        assert f"{path}:2: expected one JSON object per line" in result.output
        assert f"{path}: expected at least 10 examples, found 1" in result.output
        assert "0 valid example(s) of 1" in result.output


@pytest.mark.skipif(not _has_whatsapp(), reason="no 'whatsapp' parser is registered on this branch")
class TestBuildIsTheDocumentedComposition:
    def test_cli_writes_what_the_composition_writes(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The sample built by the CLI and by the composition in the docs agree byte for byte."""
        import persona_clone as pc  # noqa: PLC0415  (as the docs write it)
        from persona_clone.dataset import report_json, report_text  # noqa: PLC0415

        (tmp_path / "cli").mkdir()
        (tmp_path / "api").mkdir()
        monkeypatch.chdir(tmp_path / "cli")
        result = invoke("build", "--sample", "--persona", "Deniz", "-o", "out", registry=None)
        monkeypatch.chdir(tmp_path / "api")
        with sample_path() as path:
            messages = pc.parse(path, tz="Europe/Istanbul")
            sessions = pc.Merger()(pc.Sessionizer()(messages))
            privacy = pc.PrivacyReport()
            consent = pc.Consent(consenting=frozenset({"Deniz"}))
            private = pc.OptOut(consent=consent, report=privacy)(sessions)
            builder = pc.ChatDatasetBuilder.for_persona(
                "Deniz", message_steps=[pc.Redact.for_consent(consent, report=privacy)]
            )
            report = builder.write(private, "out/train.jsonl", privacy=privacy)
        Path("out/report.json").write_text(
            json.dumps(report_json(report), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        Path("out/report.txt").write_text(report_text(report), encoding="utf-8")
        written = sorted(p.name for p in (tmp_path / "cli" / "out").iterdir())

        assert 0 == result.exit_code, result.output
        assert ["names.json", "report.json", "report.txt", "train.jsonl"] == written
        for name in written:
            cli = (tmp_path / "cli" / "out" / name).read_bytes()
            assert cli == (tmp_path / "api" / "out" / name).read_bytes(), name

"""
``persona-clone build`` writes whole or not at all, and prints nothing private.

Interruptions and concurrent builds run the real command in a subprocess and
send it real signals.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from persona_clone.cli import main


PEOPLE = ("Ada", "Bob", "+90 533 765 43 21")


def whatsapp(path: Path, messages: int, *, extra: tuple[str, ...] = ()) -> Path:
    """A WhatsApp export of *messages* lines by three people, a new session every ten."""
    start = dt.datetime(2024, 3, 13, 9, 0, tzinfo=dt.timezone.utc)
    lines = list(extra)
    for number in range(messages):
        at = start + dt.timedelta(minutes=number + 10 * (number // 10))
        author = PEOPLE[number % 3]
        lines.append(f"{at:%d/%m/%Y, %H:%M} - {author}: message {number} ok")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, ["build", *args])


def build_args(export: Path, out: Path, *more: str) -> list[str]:
    return [
        str(export),
        "--persona",
        "Ada",
        "--attest-consent",
        "--input-format",
        "whatsapp",
        "-o",
        str(out),
        *more,
    ]


def previous_dataset(out: Path) -> dict[str, str]:
    out.mkdir()
    files = {"train.jsonl": '{"old": true}\n', "report.txt": "Validation: accepted\n"}
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    return files


def contents(folder: Path) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.iterdir())}


def leftovers(out: Path) -> list[str]:
    return sorted(path.name for path in out.parent.glob(f".{out.name}*"))


@pytest.fixture(name="big_export")
def _big_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("exports")
    return whatsapp(folder / "big.txt", 150_000)


Running = tuple[subprocess.Popen[str], Path, dict[str, str]]


@pytest.fixture(name="running")
def _running(big_export: Path, tmp_path: Path) -> Iterator[Running]:
    """A build of the big export over a previous dataset in tmp_path/out, seen to have begun."""
    out = tmp_path / "out"
    files = previous_dataset(out)
    command = [sys.executable, "-m", "persona_clone", "build", *build_args(big_export, out)]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        # the lock holds the builder's details once the build has begun
        lock = tmp_path / ".out.lock"
        for _ in range(1_200):
            if process.poll() is not None or (lock.exists() and lock.read_text(encoding="utf-8")):
                break
            threading.Event().wait(0.05)
        assert process.poll() is None, "the build ended before it could be interrupted"
        yield process, out, files
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


class TestInterruptions:
    @pytest.mark.parametrize(
        ("signal_number", "exit_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)]
    )
    def test_an_interrupted_build_leaves_the_previous_dataset(
        self,
        running: Running,
        signal_number: int,
        exit_code: int,
    ) -> None:
        """Ctrl-C exits 130 and SIGTERM 143; the old files stay, nothing else is left."""
        process, out, files = running

        process.send_signal(signal_number)
        _, stderr = process.communicate(timeout=120)

        assert exit_code == process.returncode, stderr
        assert "is as it was" in stderr
        assert files == contents(out)
        assert [] == leftovers(out)

    def test_a_second_build_is_refused_while_the_first_runs(
        self, running: Running, tmp_path: Path
    ) -> None:
        """The second build names the first build's process and leaves its work alone."""
        process, out, files = running
        small = whatsapp(tmp_path / "small.txt", 120)

        second = invoke(*build_args(small, out))
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=120)

        assert 1 == second.exit_code
        assert "another build is writing this folder" in second.output
        assert f"process {process.pid}" in second.output
        assert files == contents(out)
        assert [] == leftovers(out)


class TestOneBuildPerFolder:
    def test_a_rebuild_leaves_no_file_of_the_previous_build(self, tmp_path: Path) -> None:
        """validation.jsonl of a build with a validation share is gone after one without."""
        export = whatsapp(tmp_path / "chat.txt", 300)
        out = tmp_path / "out"

        first = invoke(*build_args(export, out, "--validation-share", "0.3"))
        had = sorted(path.name for path in out.iterdir())
        second = invoke(*build_args(export, out))

        assert (0, 0) == (first.exit_code, second.exit_code), first.output + second.output
        assert "validation.jsonl" in had
        assert ["names.json", "report.json", "report.txt", "train.jsonl"] == sorted(
            path.name for path in out.iterdir()
        )
        assert "validation" not in json.loads((out / "report.json").read_text())["files"]
        assert [] == leftovers(out)

    def test_the_report_names_the_output_folder(self, tmp_path: Path) -> None:
        """Paths in the report are those of the output, not of the staging folder."""
        export = whatsapp(tmp_path / "chat.txt", 120)
        out = tmp_path / "out"

        result = invoke(*build_args(export, out))

        assert 0 == result.exit_code, result.output
        assert (
            str(out / "train.jsonl")
            == json.loads((out / "report.json").read_text())["files"]["train"]
        )
        assert ".building-" not in result.output

    def test_an_output_holding_the_export_is_refused(self, tmp_path: Path) -> None:
        """Building into the folder that holds the export is refused; the export stays."""
        export = whatsapp(tmp_path / "chat.txt", 120)

        result = invoke(*build_args(export, tmp_path))

        assert 1 == result.exit_code
        assert "apart from the exports" in result.output
        assert export.exists()

    def test_a_rejected_dataset_does_not_replace_the_previous_one(self, tmp_path: Path) -> None:
        """A build the validator rejects prints its report and keeps the old dataset."""
        export = whatsapp(tmp_path / "chat.txt", 6)
        out = tmp_path / "out"
        files = previous_dataset(out)

        result = invoke(*build_args(export, out))

        assert 1 == result.exit_code
        assert "expected at least 10 examples" in result.output
        assert files == contents(out)
        assert [] == leftovers(out)


@pytest.fixture(name="tiny_disk")
def _tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs (root only; skipped elsewhere)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


class TestFullDisk:
    def test_a_full_disk_names_the_folder_and_keeps_the_old_dataset(
        self, tiny_disk: Path, tmp_path: Path
    ) -> None:
        """No space left: a one-line error naming the output; the old dataset intact."""
        export = whatsapp(tmp_path / "chat.txt", 20_000)
        out = tiny_disk / "out"
        files = previous_dataset(out)

        result = invoke(*build_args(export, out))

        assert 1 == result.exit_code
        assert f"{out}: no space left on the device" in result.output
        assert files == contents(out)
        assert [] == leftovers(out)


class TestPersonaNotFound:
    def test_a_missing_persona_is_named_before_consent(self, tmp_path: Path) -> None:
        """Without --attest-consent, a persona not in the chat is reported as missing."""
        export = whatsapp(tmp_path / "chat.txt", 30)

        result = invoke(
            str(export), "--persona", "Adaa", "--exclude", "Bob", "-o", str(tmp_path / "out")
        )

        assert 1 == result.exit_code
        assert "expected the persona 'Adaa' to speak in the input" in result.output
        assert "Ada (10), +90 5** *** ** 21 (10)" in result.output
        assert "765 43" not in result.output
        assert "Bob" not in result.output
        assert "consent" not in result.output
        assert not (tmp_path / "out").exists()

    def test_a_persona_without_consent_is_still_refused(self, tmp_path: Path) -> None:
        """A persona who is in the chat but has not consented gets the consent error."""
        export = whatsapp(tmp_path / "chat.txt", 30)

        result = invoke(str(export), "--persona", "Ada", "-o", str(tmp_path / "out"))

        assert 1 == result.exit_code
        assert "has not consented" in result.output


class TestNothingPrivateIsPrinted:
    def test_the_report_hides_what_the_dataset_hides(self, tmp_path: Path) -> None:
        """A stray input line with a phone number, a password and an excluded name is masked."""
        stray = "stray +90 532 123 45 67 Mehmet Kaya şifre: Gizli123"
        export = whatsapp(tmp_path / "chat.txt", 120, extra=(stray,))
        out = tmp_path / "out"

        result = invoke(*build_args(export, out, "--exclude", "Mehmet Kaya"))

        assert 0 == result.exit_code, result.output
        written = result.output + "".join(contents(out).values())
        assert "input problem(s) while reading" in written
        for secret in ("123 45 67", "Mehmet", "Kaya", "Gizli123"):
            assert secret not in written

    def test_errors_quoting_the_input_are_redacted(self, tmp_path: Path) -> None:
        """An error excerpt of a broken export shows placeholders, not the data."""
        export = tmp_path / "broken.txt"
        export.write_text("Mehmet Kaya +90 532 123 45 67 garbage\n", encoding="utf-8")

        result = invoke(*build_args(export, tmp_path / "out", "--exclude", "Mehmet Kaya"))

        assert 1 == result.exit_code
        assert "<NAME> <PHONE>" in result.output
        assert "Mehmet" not in result.output
        assert "532" not in result.output


def telegram(path: Path, forward: dict[str, str]) -> Path:
    """A Telegram export: twelve short talks of Bob and Ada, Ada forwarding one message."""
    records = []
    for number in range(24):
        record = {
            "id": number,
            "type": "message",
            "date_unixtime": str(1_712_034_000 + 3_600 * (number // 2) + number % 2),
            "from": "Ada" if number % 2 else "Bob",
            "from_id": "user1" if number % 2 else "user2",
            "text": f"message {number}",
        }
        if number == 5:
            record.update(forward)
        records.append(record)
    chat = {"name": "Club", "type": "private_group", "id": 7, "messages": records}
    path.write_text(json.dumps(chat), encoding="utf-8")
    return path


class TestForwards:
    def test_a_forward_from_someone_who_opted_out_is_theirs(self, tmp_path: Path) -> None:
        """Ada forwarding Mehmet's words does not make them Ada's: they never appear."""
        forward = {"forwarded_from": "Mehmet Kaya", "text": "Mehmet'in gizli planı burada"}
        export = telegram(tmp_path / "result.json", forward)
        out = tmp_path / "out"

        result = invoke(
            str(export),
            "--persona",
            "Ada",
            "--attest-consent",
            "--exclude",
            "Mehmet Kaya",
            "-o",
            str(out),
        )

        assert 0 == result.exit_code, result.output
        written = result.output + "".join(contents(out).values())
        assert "gizli planı" not in written
        assert "Mehmet" not in written
        assert 1 == json.loads((out / "report.json").read_text())["privacy"]["messages_replaced"]


class TestInspect:
    def test_inspect_masks_phone_numbers_and_redacts_quoted_lines(self, tmp_path: Path) -> None:
        """Participants known by a number are masked; a quoted broken line is redacted."""
        export = whatsapp(tmp_path / "chat.txt", 30, extra=("stray +90 532 123 45 67 line",))

        result = CliRunner().invoke(main, ["inspect", str(export), "--input-format", "whatsapp"])

        assert 0 == result.exit_code, result.output
        assert "+90 5** *** ** 21" in result.output
        assert "765 43" not in result.output
        assert "123 45 67" not in result.output

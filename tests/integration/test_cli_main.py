"""The ``persona-clone`` group itself: its help, verbosity and pipes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from persona_clone.cli import main


def _commands() -> list[tuple[str, ...]]:
    """Every command and subcommand of the ``persona-clone`` group, as argument paths."""
    found: list[tuple[str, ...]] = []

    def walk(group: click.Group, path: tuple[str, ...]) -> None:
        context = click.Context(group)
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            assert command is not None
            found.append((*path, name))
            if isinstance(command, click.Group):
                walk(command, (*path, name))

    walk(main, ())
    return found


def _discord_export(path: Path) -> Path:
    """Write a Discord JSON export whose second message has an unreadable time."""
    message = {
        "id": "1",
        "timestamp": "2024-01-01T10:00:00+00:00",
        "author": {"id": "1", "name": "Ada"},
        "content": "hi",
        "type": "Default",
    }
    broken = {**message, "id": "2", "timestamp": "bad", "author": {"id": "2", "name": "Bob"}}
    export = {
        "guild": {"id": "1", "name": "g"},
        "channel": {"id": "1", "name": "x"},
        "messages": [message, broken],
    }
    path.write_text(json.dumps(export), encoding="utf-8")
    return path


class TestMain:
    def test_help_shows_the_examples_one_per_line(self) -> None:
        """--help shows no literal backslash-b marker and keeps each example on its own line."""
        result = CliRunner().invoke(main, ["--help"])

        assert 0 == result.exit_code
        assert "\\b" not in result.output
        assert "\b" not in result.output
        lines = [line.strip() for line in result.output.splitlines()]
        assert "persona-clone inspect chat.zip                 what is in the export" in lines
        assert any(line.startswith("persona-clone chat --model ft:...") for line in lines)

    @pytest.mark.parametrize("path", _commands(), ids=" ".join)
    def test_every_help_is_clean_and_every_option_explained(self, path: tuple[str, ...]) -> None:
        """Each command's --help shows no literal backslash-b marker and explains every option."""
        result = CliRunner().invoke(main, [*path, "--help"])
        command: click.Command | None = main
        for name in path:
            assert isinstance(command, click.Group)
            command = command.get_command(click.Context(command), name)
        assert command is not None
        unexplained = [
            param.opts[0]
            for param in command.params
            if isinstance(param, click.Option) and not param.hidden and not param.help
        ]

        assert 0 == result.exit_code
        assert "\\b" not in result.output
        assert "[default: (" not in " ".join(result.output.split())
        assert [] == unexplained

    def test_build_help_names_every_supported_export(self) -> None:
        """The build help names every export the README supports, Signal and iMessage included."""
        result = CliRunner().invoke(main, ["build", "--help"])
        text = " ".join(result.output.split())

        assert [] == [
            export
            for export in (
                "WhatsApp",
                "Discord",
                "CSV",
                "Telegram",
                "Messenger",
                "Instagram",
                "Slack",
                "Signal",
                "iMessage",
                "JSONL",
            )
            if export not in text
        ]

    def test_very_verbose_prints_each_problem_once(self, tmp_path: Path) -> None:
        """With -vv an unreadable record is reported once, not once more as a log line."""
        export = _discord_export(tmp_path / "d.json")

        result = subprocess.run(
            [sys.executable, "-m", "persona_clone", "-vv", "inspect", str(export)],
            capture_output=True,
            text=True,
            check=False,
        )

        assert 0 == result.returncode, result.stderr
        output = result.stdout + result.stderr
        assert 1 == output.count("expected an ISO 8601 time with offset")

    def test_closed_pipe_ends_quietly(self, tmp_path: Path) -> None:
        """``inspect ... | head`` with the reader gone: no "Broken pipe" error, no traceback."""
        export = _discord_export(tmp_path / "d.json")
        with subprocess.Popen(
            [sys.executable, "-m", "persona_clone", "inspect", str(export)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        ) as process:
            assert process.stdout is not None
            process.stdout.close()  # the reader goes away before anything is written
            errors = process.communicate(timeout=60)[1].decode()

        assert 0 == process.returncode, errors
        assert "Broken pipe" not in errors
        assert "BrokenPipeError" not in errors
        assert "Traceback" not in errors

    def test_output_cut_by_head_ends_quietly_with_0(self, tmp_path: Path) -> None:
        """``inspect ... | head -3`` on a long listing: the reader leaves mid-output, status 0."""
        export = tmp_path / "many.txt"
        export.write_text(
            "".join(f"01/03/2024, 19:{i % 60:02d} - Person {i}: hi\n" for i in range(8_000)),
            encoding="utf-8",
        )
        with subprocess.Popen(
            [sys.executable, "-m", "persona_clone", "inspect", str(export)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        ) as process:
            assert process.stdout is not None
            head = [process.stdout.readline() for _ in range(3)]
            process.stdout.close()  # far more than a pipe holds is still to come
            errors = process.communicate(timeout=60)[1].decode()

        assert head[0].decode().startswith(f"{export}: whatsapp")
        assert 0 == process.returncode, errors
        assert "Exception ignored" not in errors
        assert "BrokenPipeError" not in errors
        assert "Error" not in errors


def test_ctrl_c_before_a_command_handles_it_exits_130(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interrupt where no command catches it is still exit 130, not click's 'Aborted!' 1."""
    data = tmp_path / "train.jsonl"
    data.write_text("{}\n", encoding="utf-8")

    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("persona_clone.cli.validate.validate_file", interrupted)
    result = CliRunner().invoke(main, ["validate", str(data)])

    assert 130 == result.exit_code
    assert "Aborted!" not in result.output
    assert "interrupted" in result.output

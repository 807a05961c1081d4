"""The ``persona-clone inspect`` command on exports a user really has."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from persona_clone.cli import main


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

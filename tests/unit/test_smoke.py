"""A first check that the package imports and its core pipeline runs."""

from __future__ import annotations

import pendulum

from persona_clone import Merger, Sessionizer
from persona_clone.testing import make_message, make_participant


class TestPipeline:
    def test_sessions_then_turns(self) -> None:
        """Two close messages by one speaker and a late one give two sessions and merged turns."""
        t = pendulum.datetime(2024, 1, 1, 12, tz="Europe/Istanbul")
        ada = make_participant("Ada")
        chat = [
            make_message(sent_at=t, author=ada, text="selam"),
            make_message(sent_at=t.add(minutes=1), author=ada, text="naber?"),
            make_message(sent_at=t.add(hours=1), author=ada, text="?"),
        ]

        turns = list(Merger()(Sessionizer()(chat)))

        assert [("selam\nnaber?",), ("?",)] == [tuple(t.text for t in ts) for ts in turns]

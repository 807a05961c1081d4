"""Tests for persona_clone.sessionizer (daylight-saving changes)."""

from __future__ import annotations

import pendulum

from persona_clone import Sessionizer
from persona_clone.testing import make_message


LONDON = pendulum.timezone("Europe/London")


class TestDaylightSaving:
    def test_the_repeated_autumn_hour_is_in_order(self) -> None:
        """01:10 GMT after 01:30 BST is 40 minutes later, not out of order."""
        summer = pendulum.DateTime(2024, 10, 27, 1, 30, tzinfo=LONDON)
        winter = pendulum.DateTime(2024, 10, 27, 1, 10, tzinfo=LONDON, fold=1)
        chat = [make_message(sent_at=summer), make_message(sent_at=winter)]

        sessions = list(Sessionizer(gap=pendulum.duration(minutes=45))(chat))

        assert [2] == [len(s.messages) for s in sessions]

    def test_the_skipped_spring_hour_is_not_a_pause(self) -> None:
        """00:50 GMT to 02:10 BST is 20 minutes, within a 30-minute gap."""
        before = pendulum.DateTime(2024, 3, 31, 0, 50, tzinfo=LONDON)
        after = pendulum.DateTime(2024, 3, 31, 2, 10, tzinfo=LONDON)
        chat = [make_message(sent_at=before), make_message(sent_at=after)]

        sessions = list(Sessionizer(gap=pendulum.duration(minutes=30))(chat))

        assert [2] == [len(s.messages) for s in sessions]

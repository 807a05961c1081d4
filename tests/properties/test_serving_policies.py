"""Laws of the retry policy and of live privacy."""

from __future__ import annotations

import pendulum
from hypothesis import given
from hypothesis import strategies as st

from persona_clone.retry import Backoff
from persona_clone.serving.privacy import LivePrivacy


backoffs = st.builds(
    Backoff,
    attempts=st.integers(1, 12),
    initial=st.floats(0, 30).map(lambda s: pendulum.duration(seconds=s)),
    factor=st.floats(1, 4),
    maximum=st.floats(0, 120).map(lambda s: pendulum.duration(seconds=s)),
)

_PRIVACY = LivePrivacy()


class TestBackoffLaws:
    @given(backoffs)
    def test_waits_never_shrink_and_stay_under_the_maximum(self, backoff: Backoff) -> None:
        """Waits without a server hint are non-decreasing and at most the maximum."""
        waits = list(backoff.delays())

        assert len(waits) == backoff.attempts - 1
        assert all(0 <= wait <= backoff.maximum.total_seconds() for wait in waits)
        assert waits == sorted(waits)


class TestLivePrivacyLaws:
    @given(st.text(max_size=200))
    def test_redacting_a_reply_twice_changes_nothing_more(self, text: str) -> None:
        """What left the machine once redacted is left as it is by a second pass."""
        once = _PRIVACY.outgoing(text)

        assert once == _PRIVACY.outgoing(once)

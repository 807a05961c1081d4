"""Laws of Consent.apply: people who opted out leave no trace as authors."""

from __future__ import annotations

import pendulum
from hypothesis import given
from hypothesis import strategies as st

from persona_clone import (
    AliasMap,
    Consent,
    Message,
    OptOutPolicy,
    Participant,
    PrivacyReport,
    Sessionizer,
)
from persona_clone.privacy.consent import OPTED_OUT
from persona_clone.testing.strategies import chats, gaps


CAST = [Participant.from_name(name) for name in ("Ada", "Bora", "Cem", "Deniz")]
_CHATS = chats(authors=st.sampled_from(CAST), max_size=30)


@given(_CHATS, gaps(), st.sampled_from(CAST))
def test_placeholder_keeps_every_message_but_no_author(
    chat: list[Message], gap: pendulum.Duration, gone: Participant
) -> None:
    """With placeholders, every message keeps its place and none is by the excluded."""
    consent = Consent(excluded=frozenset({gone.name}))
    report = PrivacyReport()

    sessions = list(consent.apply(Sessionizer(gap=gap)(chat), AliasMap(), report))
    out = [message for session in sessions for message in session.messages]

    assert [message.id for message in chat] == [message.id for message in out]
    assert gone not in {message.author for message in out}
    assert sum(message.author == gone for message in chat) == report.messages_replaced
    assert report.messages_replaced == sum(message.author == OPTED_OUT for message in out)


@given(_CHATS, gaps(), st.sampled_from(CAST))
def test_drop_session_counts_add_up(
    chat: list[Message], gap: pendulum.Duration, gone: Participant
) -> None:
    """Dropping sessions leaves nobody excluded and counts what it left out."""
    consent = Consent(excluded=frozenset({gone.name}), policy=OptOutPolicy.DROP_SESSION)
    report = PrivacyReport()

    sessions = list(consent.apply(Sessionizer(gap=gap)(chat), AliasMap(), report))
    kept = sum(len(session.messages) for session in sessions)

    assert len(chat) == kept + report.messages_dropped
    assert all(m.author != gone for session in sessions for m in session.messages)

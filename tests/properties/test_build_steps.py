"""Laws of the build's steps over sessions of turns."""

from __future__ import annotations

import pendulum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from persona_clone import (
    AliasMap,
    Consent,
    Merger,
    Message,
    OptOut,
    OptOutPolicy,
    Participant,
    PrivacyReport,
    Sessionizer,
)
from persona_clone._fast import with_text
from persona_clone._serialization import converter
from persona_clone.dataset.pipeline import _merged_again
from persona_clone.dataset.rendering import renderable
from persona_clone.testing.strategies import chats, gaps


CAST = [Participant.from_name(name) for name in ("Ada", "Bora", "Cem", "Deniz")]
# drawing whole chats takes a while on a busy machine; the laws need no speed
_SLOW_DRAWS = settings(suppress_health_check=[HealthCheck.too_slow])


@_SLOW_DRAWS
@given(
    chats(authors=st.sampled_from(CAST), max_size=40),
    gaps(),
    st.sets(st.sampled_from(CAST), min_size=1, max_size=2),
    st.sampled_from(list(OptOutPolicy)),
)
def test_opt_out_on_turns_equals_consent_before_merging(
    chat: list[Message],
    gap: pendulum.Duration,
    gone: set[Participant],
    policy: OptOutPolicy,
) -> None:
    """OptOut after the Merger gives the turns and counts of consent applied before it."""
    consent = Consent(excluded=frozenset(p.name for p in gone), policy=policy)
    before, after = PrivacyReport(), PrivacyReport()
    sessions = Sessionizer(gap=gap)

    expected = list(Merger()(consent.apply(sessions(chat), AliasMap(), before)))
    actual = list(OptOut(consent=consent, report=after)(Merger()(sessions(chat))))

    assert expected == [tuple(turns) for turns in actual]
    assert converter.unstructure(before) == converter.unstructure(after)


@_SLOW_DRAWS
@given(chats(authors=st.sampled_from(CAST), max_size=40), st.data())
def test_turns_merged_again_equal_a_fresh_merge(chat: list[Message], data: st.DataObject) -> None:
    """Merging only the changed turns of a session gives the turns a fresh merge gives."""
    merger = Merger()
    for turns in merger(Sessionizer()(chat)):
        messages = [m for turn in turns for m in turn.messages]
        shown = list(renderable(messages))
        changed = data.draw(st.lists(st.booleans(), min_size=len(shown), max_size=len(shown)))
        visible = [
            with_text(m, m.text + "!") if change else m
            for m, change in zip(shown, changed, strict=True)
        ]

        again = _merged_again(merger, turns, messages, visible)

        assert list(merger.merge(visible)) == list(again)

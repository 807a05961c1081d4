"""Tests for persona_clone.privacy.steps (OptOut, Redact)."""

from __future__ import annotations

from dataset_support import chat, sessions_of
from persona_clone import (
    Consent,
    MergedSession,
    Merger,
    OptOut,
    OptOutPolicy,
    PrivacyReport,
    Redact,
    RedactionKind,
    Sessionizer,
)
from persona_clone.privacy.consent import OPTED_OUT


class TestOptOut:
    def test_consecutive_opted_out_people_merge_into_one_turn(self) -> None:
        """Two opted-out people in a row become one placeholder turn, as if never split."""
        messages = chat(("Ayşe", "a"), ("Mert", "b"), ("Can", "c"), ("Deniz", "d"))
        report = PrivacyReport()
        step = OptOut(consent=Consent(excluded=frozenset({"Mert", "Can"})), report=report)

        (turns,) = step(sessions_of(messages))

        assert ["Ayşe", OPTED_OUT.name, "Deniz"] == [t.author.name for t in turns if t.author]
        assert 2 == len(turns[1].messages)
        assert 2 == report.messages_replaced

    def test_drop_session_policy_leaves_their_sessions_out(self) -> None:
        """With drop-session, a session someone opted out of is not passed on."""
        consent = Consent(excluded=frozenset({"Mert"}), policy=OptOutPolicy.DROP_SESSION)
        report = PrivacyReport()

        kept = list(OptOut(consent=consent, report=report)(sessions_of(chat(("Mert", "x")))))

        assert [] == kept
        assert 1 == report.sessions_dropped

    def test_sessions_without_them_pass_unchanged(self) -> None:
        """A session nobody opted out of is the very same object."""
        sessions = sessions_of(chat(("Ayşe", "a"), ("Deniz", "b")))

        (turns,) = OptOut(consent=Consent(excluded=frozenset({"Mert"})))(sessions)

        assert sessions[0] is turns

    def test_lazily_merged_sessions_stay_lazy(self) -> None:
        """Sessions from Merger.lazy come out as MergedSession, with the same turns."""
        messages = chat(("Ayşe", "a"), ("Mert", "b"), ("Can", "c"), ("Deniz", "d"))
        step = OptOut(consent=Consent(excluded=frozenset({"Mert", "Can"})))

        (eager,) = step(sessions_of(messages))
        (lazy,) = step(Merger().lazy(Sessionizer()(messages)))

        assert isinstance(lazy, MergedSession)
        assert eager == lazy


class TestRedact:
    def test_for_consent_keeps_the_kinds_asked_and_redacts_names(self) -> None:
        """Kept kinds stay; the names of those who opted out become <NAME>."""
        consent = Consent(excluded=frozenset({"Mert"}))
        report = PrivacyReport()
        step = Redact.for_consent(consent, keep=["email"], report=report)
        (message,) = chat(("Ayşe", "Mert: ada@example.com, +90 532 555 01 47"))

        (redacted,) = step([message])

        assert "<NAME>: ada@example.com, <PHONE>" == redacted.text
        assert 1 == report.redactions[RedactionKind.PHONE]

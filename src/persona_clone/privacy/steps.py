"""
The privacy steps of a dataset build: `OptOut` and `Redact`.

Use them in this order::

    sessions = Merger()(Sessionizer()(messages))            # sessions of turns
    sessions = OptOut(consent=consent, report=privacy)(sessions)
    builder = ChatDatasetBuilder.for_persona("Deniz", message_steps=[Redact(report=privacy)])
    report = builder.write(sessions, "out/train.jsonl", privacy=privacy)

`OptOut` runs on every session, before anything reads a name; `Redact` runs
inside the builder on what a model will see, so text that is never written is
never read. Both count into one `PrivacyReport`, which the dataset report shows.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from typing import Final

from attrs import field, frozen

from ..conversation.merger import MergedSession, Merger
from ..message import Message
from ..session import Session, Turn
from .consent import Consent
from .identity import AliasMap
from .redaction import BuiltinRedactor, PrivacyReport, RedactionKind, Redactor, redact_messages


__all__ = ["OptOut", "Redact"]

_MESSAGES: Final = operator.attrgetter("messages")


@frozen(kw_only=True)
class OptOut:
    """
    Keep people who opted out out of sessions of turns, lazily.

    The step applies `Consent.apply` to each session (what the *consent*'s
    policy says: their messages replaced by a placeholder, or their sessions
    left out; their names redacted in everyone else's text) and merges the
    turns of a changed session again. It does not check the persona's
    consent: call `Consent.check_persona` first.

    Args:
        consent: Who opted out, and the policy.
        aliases: Resolves participants, so every alias of someone is caught.
        report: Counts what was replaced, redacted and dropped.
        merger: Merges a changed session's messages again (the merger that
            made the turns).

    Example:
        >>> from persona_clone import Merger, Session
        >>> from persona_clone.testing import make_message, make_participant
        >>> ada, bob = make_participant("Ada"), make_participant("Bob")
        >>> session = Session(messages=[make_message(author=ada, text="Bob?"),
        ...                             make_message(author=bob, text="here")])
        >>> step = OptOut(consent=Consent(excluded=frozenset({"Bob"})))
        >>> [(t.author.name, t.text) for turns in step(Merger()([session])) for t in turns]
        [('Ada', '<NAME>?'), ('Someone', '<message from someone who opted out>')]

    """

    consent: Consent
    aliases: AliasMap = field(factory=AliasMap)
    report: PrivacyReport = field(factory=PrivacyReport)
    merger: Merger = field(factory=Merger)

    def __call__(self, sessions: Iterable[Sequence[Turn]]) -> Iterator[Sequence[Turn]]:
        """Yield *sessions* without the people who opted out."""
        if not self.consent.excluded:
            yield from sessions
            return
        # Consent.apply reads one session and yields it (the same object when
        # nothing changed), a changed copy, or nothing, before it reads the next.
        read: list[tuple[Session, Sequence[Turn]]] = []

        def plain() -> Iterator[Session]:
            for turns in sessions:
                messages = (
                    turns.messages
                    if type(turns) is MergedSession
                    else tuple(chain.from_iterable(map(_MESSAGES, turns)))
                )
                session = Session(messages=messages)
                read[:] = [(session, turns)]
                yield session

        for kept in self.consent.apply(plain(), self.aliases, self.report):
            session, turns = read[0]
            if kept is session:
                yield turns
            elif type(turns) is MergedSession:  # still merged only when read
                yield MergedSession(kept.messages, self.merger)
            else:
                yield tuple(self.merger.merge(list(kept.messages)))


@frozen(kw_only=True)
class Redact:
    """
    Replace personal data in message texts with placeholders (a message step).

    Give it to a builder as one of its *message_steps*: it then reads only the
    messages a model will see, of the sessions the persona speaks in.

    Args:
        redactor: Finds and replaces personal data (default every kind the
            `BuiltinRedactor` knows, without names).
        report: Counts the redactions.

    Example:
        >>> from persona_clone.testing import make_message
        >>> [m.text for m in Redact()([make_message(text="mail me: ada@example.com")])]
        ['mail me: <EMAIL>']

    """

    redactor: Redactor = field(factory=BuiltinRedactor)
    report: PrivacyReport = field(factory=PrivacyReport)

    @classmethod
    def for_consent(
        cls,
        consent: Consent,
        *,
        aliases: AliasMap | None = None,
        keep: Iterable[RedactionKind | str] = (),
        report: PrivacyReport | None = None,
    ) -> Redact:
        """
        Redact every kind of personal data but *keep*, and the names of who opted out.

        Args:
            consent: Whose names to redact (`Consent.names_to_redact`, and
                `Consent.surnames_to_redact` where they are used as names).
            aliases: Their aliases are redacted too.
            keep: Kinds of personal data to leave (`RedactionKind` or its value).
            report: Counts the redactions.
        """
        kept = {k if isinstance(k, RedactionKind) else RedactionKind(str(k).lower()) for k in keep}
        redactor = consent.redactor(
            aliases if aliases is not None else AliasMap(), kinds=set(RedactionKind) - kept
        )
        return cls(redactor=redactor, report=report if report is not None else PrivacyReport())

    def __call__(self, messages: Iterable[Message]) -> Iterator[Message]:
        """Yield *messages* redacted, lazily, counting into *report*."""
        return redact_messages(messages, self.redactor, self.report)

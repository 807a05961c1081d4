"""
`LivePrivacy`: the live chat filtered the way the dataset was.

Every bot (terminal, Discord, Telegram) hands what people say to a
`persona_clone.Responder`, which passes it through one `LivePrivacy` before
anything leaves the machine:

- messages of people who opted out (the people file's ``opted_out = true``,
  ``--exclude``) are never kept, so they never reach the model;
- phone numbers, e-mail addresses, IBANs, card numbers, URLs, secrets and the
  names of people who opted out are replaced by placeholders (``<PHONE>``, ...)
  in what everyone else says;
- the clone's own replies pass the same redaction before they are sent.
"""

from __future__ import annotations

import logging
from collections import Counter

from attrs import Factory, field, frozen

from .._fast import with_text
from ..message import Message
from ..privacy.consent import Consent
from ..privacy.identity import AliasMap
from ..privacy.redaction import BuiltinRedactor, RedactionKind, Redactor


__all__ = ["LivePrivacy"]

logger = logging.getLogger(__name__)


def _default_redactor(privacy: LivePrivacy) -> Redactor:
    """Every kind of personal data, and the names of the people who opted out."""
    return BuiltinRedactor(names=privacy.consent.names_to_redact(privacy.aliases))


@frozen(kw_only=True)
class LivePrivacy:
    """
    What of a live chat may reach the model, and what of a reply may reach the chat.

    Args:
        consent: Who opted out (`persona_clone.privacy.consent.Consent`; only its
            *excluded* people matter here).
        aliases: The alias map, so that opting out covers every name and id.
        redactor: Replaces personal data (default: a
            `persona_clone.BuiltinRedactor` of every kind that also knows the
            names of the people who opted out).

    Example:
        >>> from persona_clone.privacy.consent import Consent
        >>> from persona_clone.testing import make_message, make_participant
        >>> privacy = LivePrivacy(consent=Consent(excluded=frozenset({"Cem"})))
        >>> privacy.incoming(make_message(author=make_participant("Cem"), text="hi")) is None
        True
        >>> privacy.incoming(make_message(text="Cem: call +90 532 123 45 67")).text
        '<NAME>: call <PHONE>'
        >>> privacy.outgoing("mail me at ada@example.com")
        'mail me at <EMAIL>'

    .. versionadded:: 0.1.0
    """

    consent: Consent = field(factory=Consent)
    aliases: AliasMap = field(factory=AliasMap)
    redactor: Redactor = field(default=Factory(_default_redactor, takes_self=True))

    def incoming(self, message: Message) -> Message | None:
        """
        Return *message* as the model may see it, or ``None`` when it must not.

        ``None`` for a message by someone who opted out; otherwise the message
        with its text redacted.
        """
        if self.consent.is_excluded(message.author, self.aliases):
            logger.info("left out a live message by someone who opted out")
            return None
        text, counts = self.redactor.redact(message.text)
        if not counts:
            return message
        _log("live message", counts)
        return with_text(message, text)

    def outgoing(self, text: str) -> str:
        """Return the clone's reply *text* with personal data replaced."""
        redacted, counts = self.redactor.redact(text)
        if counts:
            _log("reply", counts)
        return redacted


def _log(what: str, counts: Counter[RedactionKind]) -> None:
    shown = ", ".join(f"{kind.value} {count}" for kind, count in sorted(counts.items(), key=str))
    logger.info("redacted a %s before it left the machine (%s)", what, shown)

"""
Consent: who may be cloned, and keeping people who opted out out of datasets.

Consent is on by default: `Consent.check_persona` refuses a persona who is not on
the consent list, and `Consent.apply` removes everyone who opted out from every
session, as authors and as names in other people's text.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable, Iterable, Iterator

from attrs import evolve, field, frozen

from ..errors import ConfigError, excerpt
from ..message import Message, MessageKind, Participant
from ..session import Session
from .identity import AliasMap, is_phone_number, normalise_name
from .people_file import read_people_file
from .redaction import BuiltinRedactor, PrivacyReport, RedactionKind


__all__ = ["OPTED_OUT", "Consent", "OptOutPolicy"]

OPTED_OUT = Participant(id="opted-out", name="Someone")
"""The neutral author that stands in for everyone who opted out."""

_MIN_GIVEN_NAME = 3


_I_LETTERS = str.maketrans({"I": "i", "İ": "i", "ı": "i"})


def _fold(name: str) -> str:
    """
    Fold *name* for consent lists: normalised, without case, all i-letters alike.

    Lists are matched loosely on purpose: ``--exclude mehmet`` must catch
    "Mehmet", and "IŞIK" must catch "Işık", so nobody slips through on spelling.
    Phone numbers fold to their digits, without the "+", spaces or direction marks:
    "+90 532 555 01 47", "\u202a+90 532 555 01 47\u202c" and "905325550147" match.
    """
    if is_phone_number(name):
        return "".join(char for char in name if char.isdigit())
    return normalise_name(name).translate(_I_LETTERS).lower()


class OptOutPolicy(enum.Enum):
    """What happens to the messages of someone who opted out."""

    PLACEHOLDER = "placeholder"
    """Keep the conversation; their messages become a placeholder by `OPTED_OUT`."""
    DROP_SESSION = "drop-session"
    """Leave out every session in which they wrote anything."""


def _names(values: Iterable[str]) -> frozenset[str]:
    return frozenset(values)


def _disjoint(instance: Consent, _: object, value: frozenset[str]) -> None:
    consenting = {_fold(name) for name in instance.consenting}
    both = [name for name in value if _fold(name) in consenting]
    if both:
        names = ", ".join(sorted(excerpt(name) for name in both))
        raise ConfigError(f"expected each person to consent or opt out, found both for {names}")


@frozen(kw_only=True)
class Consent:
    """
    Who agreed to be cloned and who opted out, and what to do about the latter.

    Names in *consenting* and *excluded* may be ids, display names or any alias
    known to the `AliasMap` passed to the methods. They match without regard to
    letter case (all of ``i``, ``ı``, ``I``, ``İ`` alike), so a spelling
    difference never lets someone who opted out slip through.

    Args:
        consenting: People who agreed to be the persona.
        excluded: People who opted out: they never appear in a dataset.
        policy: Replace their messages (default) or drop their sessions.
        placeholder: The text that replaces their messages.
        attested: The user states that the persona agreed, without a list
            (the CLI's ``--attest-consent``); `check_persona` then only
            refuses a persona who opted out.

    Raises:
        ConfigError: someone is both consenting and excluded.

    Example:
        >>> from persona_clone import AliasMap, Participant
        >>> consent = Consent(consenting=frozenset({"Ada"}))
        >>> consent.check_persona(Participant.from_name("Ada"), AliasMap())
        >>> consent.check_persona(Participant.from_name("Bob"), AliasMap())
        Traceback (most recent call last):
        ...
        persona_clone.errors.ConfigError: persona 'Bob' has not consented ...

    """

    consenting: frozenset[str] = field(default=frozenset(), converter=_names)
    excluded: frozenset[str] = field(default=frozenset(), converter=_names, validator=_disjoint)
    policy: OptOutPolicy = OptOutPolicy.PLACEHOLDER
    placeholder: str = "<message from someone who opted out>"
    attested: bool = False

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Consent:
        """
        Read consent from a people file: ``consent``/``opted_out = true`` per person.

        The ``[consent]`` table may set ``policy`` (``"placeholder"`` or
        ``"drop-session"``) and ``placeholder``. Add command-line choices with
        `attrs.evolve` (``evolve(consent, excluded=consent.excluded | {"Bob"})``).

        Raises:
            ConfigError: the file cannot be read, or has a bad or unknown key.
        """
        people = read_people_file(path)
        consenting = {entry.id or entry.name for entry in people.person if entry.consent}
        excluded = {entry.id or entry.name for entry in people.person if entry.opted_out}
        try:
            consent = cls(
                consenting=frozenset(consenting),
                excluded=frozenset(excluded),
                policy=OptOutPolicy(people.consent.policy),
            )
            if people.consent.placeholder is not None:
                consent = evolve(consent, placeholder=people.consent.placeholder)
        except ConfigError as error:
            raise ConfigError(f"{os.fspath(path)}: {error}") from None
        return consent

    def _names(self, names: Iterable[str], aliases: AliasMap) -> set[str]:
        """Every normalised string that means one of *names*, aliases included."""
        found: set[str] = set()
        for name in names:
            found.add(normalise_name(name))
            identity = aliases.identity_named(name)
            if identity is not None:
                found.update(normalise_name(key) for key in identity.keys)
        return found

    def _keys(self, names: Iterable[str], aliases: AliasMap) -> frozenset[str]:
        """The folded forms of `_names`, to compare without case."""
        return frozenset(_fold(name) for name in self._names(names, aliases))

    def _matches(self, participant: Participant, keys: frozenset[str], aliases: AliasMap) -> bool:
        canonical = aliases.resolve(participant)
        return any(
            _fold(value) in keys
            for value in (
                participant.id,
                participant.name,
                canonical.id,
                canonical.name,
            )
        )

    def check_persona(self, persona: Participant, aliases: AliasMap) -> None:
        """
        Refuse a persona who opted out, or who is not on the consent list.

        Raises:
            ConfigError: the persona opted out, or is neither on the consent list
                nor covered by *attested*.
        """
        if self._matches(persona, self._keys(self.excluded, aliases), aliases):
            raise ConfigError(f"persona {excerpt(persona.name)} opted out and cannot be cloned")
        if self.attested or self._matches(persona, self._keys(self.consenting, aliases), aliases):
            return
        raise ConfigError(
            f"persona {excerpt(persona.name)} has not consented to be cloned: "
            "expected 'consent = true' in their [[person]] entry of the people file "
            "(or --attest-consent when you clone yourself or hold their consent)"
        )

    def is_excluded(self, participant: Participant | None, aliases: AliasMap) -> bool:
        """Return whether *participant* opted out."""
        if participant is None or not self.excluded:
            return False
        return self._matches(participant, self._keys(self.excluded, aliases), aliases)

    def _mentioned(self, aliases: AliasMap) -> set[str]:
        """The names and aliases of the excluded people, normalised."""
        folded = {_fold(name) for name in self.excluded}
        mentioned: set[str] = set()
        for name in self.excluded:
            identity = aliases.identity_named(name)
            if identity is None:
                # "--exclude mehmet" means the people-file entry "Mehmet" too
                identity = next(
                    (
                        known
                        for known in aliases.identities
                        if any(_fold(key) in folded for key in known.keys)
                    ),
                    None,
                )
            if identity is None:
                mentioned.add(name)
            else:
                mentioned.update((identity.name, *identity.aliases))
        return {
            key
            for key in map(normalise_name, mentioned)
            if key and not key.isdigit() and not is_phone_number(key)
        }

    def names_to_redact(self, aliases: AliasMap) -> tuple[str, ...]:
        """
        Return the names under which excluded people may be mentioned.

        Their names and aliases (nicknames belong in the people file's
        ``aliases``), plus the first word of each name of several words ("Ayşe"
        of "Ayşe Yılmaz") when it has at least three letters. A surname alone
        is not in this list: see `surnames_to_redact`.
        Ids are left out unless they are also a name (they are how exports
        know people, not how people are mentioned), and so are phone numbers
        (phone redaction finds them) and platform ids made of digits only.
        """
        names: set[str] = set()
        for key in self._mentioned(aliases):
            names.add(key)
            words = key.split()
            if len(words) > 1 and len(words[0]) >= _MIN_GIVEN_NAME:
                names.add(words[0])
        return tuple(sorted(names))

    def surnames_to_redact(self, aliases: AliasMap) -> tuple[str, ...]:
        """
        Return the last words of the excluded people's names of several words.

        A surname is often an ordinary word too (Kaya: rock, Demir: iron, Yıldız:
        star), so `persona_clone.BuiltinRedactor` redacts these only where they
        are used as a name: ``Kaya'nın``, ``@kaya``, ``Bay Kaya``, ``Kaya Bey``.
        Add a surname to the person's ``aliases`` to redact it everywhere.
        """
        names = set(self.names_to_redact(aliases))
        surnames = {
            words[-1]
            for key in self._mentioned(aliases)
            if len(words := key.split()) > 1 and len(words[-1]) >= _MIN_GIVEN_NAME
        }
        return tuple(sorted(surnames - names))

    def redactor(
        self,
        aliases: AliasMap,
        kinds: Iterable[RedactionKind] = (RedactionKind.NAME,),
    ) -> BuiltinRedactor:
        """
        A redactor that replaces the names of excluded people with ``<NAME>``.

        Args:
            aliases: Who is who.
            kinds: What else it redacts (by default nothing but names): pass
                every kind for the redactor a whole build uses.
        """
        return BuiltinRedactor(
            kinds=frozenset(kinds),
            names=self.names_to_redact(aliases),
            surnames=self.surnames_to_redact(aliases),
        )

    def apply(
        self, sessions: Iterable[Session], aliases: AliasMap, report: PrivacyReport
    ) -> Iterator[Session]:
        """
        Remove excluded people from *sessions*, lazily, counting into *report*.

        Their messages include those someone else forwarded from them
        (`persona_clone.Message.forwarded_from`): the words are theirs.
        With `OptOutPolicy.PLACEHOLDER` their messages keep their place but are
        written by `OPTED_OUT` and read *placeholder* (attachments removed); with
        `OptOutPolicy.DROP_SESSION` every session they wrote in is left out. Either
        way their names are replaced by ``<NAME>`` in everyone else's text.
        """
        if not self.excluded:
            yield from sessions
            return
        gone = self._author_test(aliases)
        names = self.redactor(aliases)
        for session in sessions:
            hit = [gone(message) for message in session.messages]
            if any(hit) and self.policy is OptOutPolicy.DROP_SESSION:
                report.sessions_dropped += 1
                report.messages_dropped += len(session.messages)
                continue
            messages = tuple(
                self._replace(message, report)
                if excluded
                else self._redact_names(message, names, report)
                for message, excluded in zip(session.messages, hit, strict=True)
            )
            if any(new is not old for new, old in zip(messages, session.messages, strict=True)):
                yield Session(messages=messages)
            else:
                yield session

    def apply_to_messages(
        self, messages: Iterable[Message], aliases: AliasMap, report: PrivacyReport
    ) -> Iterator[Message]:
        """
        Replace excluded people's messages with the placeholder, message by message.

        A message step for pipelines that index messages before sessions exist
        (for example to find the targets of replies). It always uses the
        placeholder, whatever the policy; apply `apply` to the sessions as well
        when the policy is `OptOutPolicy.DROP_SESSION`.
        """
        if not self.excluded:
            yield from messages
            return
        gone = self._author_test(aliases)
        names = self.redactor(aliases)
        for message in messages:
            if gone(message):
                yield self._replace(message, report)
            else:
                yield self._redact_names(message, names, report)

    def _author_test(self, aliases: AliasMap) -> Callable[[Message], bool]:
        """
        Return a test for "written (or forwarded) from someone who opted out".

        Answers are cached per person.
        """
        keys = self._keys(self.excluded, aliases)
        cache: dict[Participant, bool] = {}

        def excluded(person: Participant) -> bool:
            found = cache.get(person)
            if found is None:
                found = cache[person] = self._matches(person, keys, aliases)
            return found

        def gone(message: Message) -> bool:
            # a message forwarded from someone who opted out holds their words
            author = message.author
            if author is None:
                return False
            origin = message.forwarded_from
            return excluded(author) or (origin is not None and excluded(origin))

        return gone

    def _replace(self, message: Message, report: PrivacyReport) -> Message:
        report.messages_replaced += 1
        return evolve(
            message,
            author=OPTED_OUT,
            text=self.placeholder,
            kind=MessageKind.TEXT,
            attachments=(),
            edited=False,
            forwarded_from=None,
        )

    def _redact_names(
        self, message: Message, names: BuiltinRedactor, report: PrivacyReport
    ) -> Message:
        text, counts = names.redact(message.text)
        if not counts:
            return message
        report.add(counts)
        report.count_redacted(message)
        return evolve(message, text=text)

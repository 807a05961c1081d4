"""
Who is who: `Identity`, `AliasMap` (several names, one person) and `NameBook`.

People appear under several names: a phone number and later a saved contact
name, a Discord username and a nickname, different names on different
platforms. An `AliasMap` merges them into one canonical `Participant`; a
`NameBook` renders each canonical participant's name for outputs, the same way
at training and at serving time.

Name matching is exact first, then after `normalise_name` (NFC, invisible
direction marks removed, whitespace collapsed). It never changes letter case:
Turkish ``İ``/``i`` and ``I``/``ı`` are different letters, and case folding
(``"İ".lower()`` is ``"i̇"``) would merge or break them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterable
from typing import Any, Final

from anyascii import anyascii
from attrs import define, field, frozen

from ..errors import ConfigError, excerpt
from ..message import Participant
from .people_file import PeopleFile, read_people_file


__all__ = [
    "OPENAI_NAME",
    "AliasMap",
    "Identity",
    "NameBook",
    "is_phone_number",
    "normalise_name",
    "openai_safe",
]

OPENAI_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""What OpenAI's chat ``name`` field accepts (use with ``fullmatch``)."""

_INVISIBLE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")
_PHONE_CHARS = re.compile(r"\+?[0-9 ()./-]+")
_PHONE_DIGITS = (7, 15)
_SEEN_LIMIT = 4096

_LETTERS = str.maketrans(
    {
        "ı": "i",
        "İ": "I",
        "ş": "s",
        "Ş": "S",
        "ğ": "g",
        "Ğ": "G",
        "ç": "c",
        "Ç": "C",
        "ö": "o",
        "Ö": "O",
        "ü": "u",
        "Ü": "U",
        "ß": "ss",
        "ẞ": "SS",
        "'": "",
        "’": "",
        "`": "",
    }
)
_NOT_NAME = re.compile(r"[^A-Za-z0-9_-]+")
_UNDERSCORES = re.compile(r"_{2,}")
_DROPPED_CATEGORIES = frozenset({"So", "Sk", "Cf", "Cs", "Co", "Cn", "Mn", "Me"})
_MAX_NAME = 64
_FALLBACK = "Person"
_CONTACT = "Contact"


def strings(values: Iterable[str]) -> tuple[str, ...]:
    """Return *values* as a tuple (an attrs converter mypy can follow)."""
    return tuple(values)


def normalise_name(text: str) -> str:
    """
    Return *text* as names are compared: NFC, invisible marks removed, spaces collapsed.

    Removes direction marks and isolates (``U+200E``, ``U+202A`` ... ``U+202C``,
    ``U+2066`` ... ``U+2069``), zero-width characters and the byte-order mark, and
    turns every run of whitespace (including no-break spaces) into one space.
    Letter case is kept as it is.

    Example:
        >>> normalise_name("\u202a+90 532\u00a0123 45 67\u202c")
        '+90 532 123 45 67'
        >>> normalise_name("  İpek   Işık ")
        'İpek Işık'

    """
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    return _SPACES.sub(" ", text).strip()


def is_phone_number(text: str) -> bool:
    """
    Return whether *text* (a display name) is only a phone number.

    A phone number here is 7 to 15 digits with an optional leading ``+`` and
    spaces, dashes, dots, slashes or parentheses between them.

    Example:
        >>> is_phone_number("\u202a+90 532 123 45 67\u202c")
        True
        >>> is_phone_number("Ada 2")
        False

    """
    text = normalise_name(text)
    if not _PHONE_CHARS.fullmatch(text):
        return False
    digits = sum(char.isdigit() for char in text)
    return _PHONE_DIGITS[0] <= digits <= _PHONE_DIGITS[1]


def _phone_key(text: str) -> str:
    text = normalise_name(text)
    digits = "".join(char for char in text if char.isdigit())
    return ("+" if text.startswith("+") else "") + digits


def _lookup_key(text: str) -> str:
    return _phone_key(text) if is_phone_number(text) else normalise_name(text)


def openai_safe(name: str) -> str:
    """
    Transliterate *name* to the characters OpenAI's ``name`` field allows.

    Turkish and German letters are mapped by hand (``ı``→``i``, ``İ``→``I``,
    ``ş``→``s``, ``ğ``→``g``, ``ç``→``c``, ``ö``→``o``, ``ü``→``u``,
    ``ß``→``ss``), other scripts through ``anyascii``; emoji and symbols are
    dropped, every other run of characters becomes ``_``, and the result is cut
    to 64 characters. A name of emoji only becomes their names; a name with
    nothing left returns ``""`` (`NameBook` then uses ``Person_N``).

    Example:
        >>> openai_safe("Çağrı Öztürk")
        'Cagri_Ozturk'
        >>> openai_safe("Straße 🌸")
        'Strasse'
        >>> openai_safe("🌸")
        'cherry_blossom'

    """
    text = normalise_name(name).translate(_LETTERS)
    kept = "".join(char for char in text if unicodedata.category(char) not in _DROPPED_CATEGORIES)
    rendered = _clean(anyascii(kept))
    if not rendered:
        rendered = _clean(anyascii(text))
    return rendered[:_MAX_NAME].strip("_-")


def _clean(text: str) -> str:
    return _UNDERSCORES.sub("_", _NOT_NAME.sub("_", text)).strip("_-")


@frozen(kw_only=True)
class Identity:
    """
    One person, with every name and id they appear under.

    Args:
        id: Canonical id (what `AliasMap.resolve` gives as the participant id).
        name: Canonical display name.
        aliases: Other display names and participant ids of the same person
            (phone numbers, nicknames, usernames, platform ids).
        openai_name: A fixed rendering for OpenAI's ``name`` field, instead of
            the transliteration `NameBook` would choose.
    """

    id: str
    name: str
    aliases: tuple[str, ...] = field(default=(), converter=strings)
    openai_name: str | None = None

    @property
    def participant(self) -> Participant:
        """The canonical participant of this person."""
        return Participant(id=self.id, name=self.name)

    @property
    def keys(self) -> tuple[str, ...]:
        """The id, the name and the aliases: every string that means this person."""
        return (self.id, self.name, *self.aliases)


def _identities(values: Iterable[Identity]) -> tuple[Identity, ...]:
    return tuple(values)


def _index(
    identities: tuple[Identity, ...], label: str
) -> tuple[dict[str, Identity], dict[str, Identity]]:
    """Build the exact and normalised lookups; raise on a name claimed twice."""
    exact: dict[str, Identity] = {}
    normal: dict[str, Identity] = {}
    owner: dict[str, int] = {}
    for position, identity in enumerate(identities):
        if identity.openai_name is not None and not OPENAI_NAME.fullmatch(identity.openai_name):
            raise ConfigError(
                f"{label}[{position}].openai_name: expected [A-Za-z0-9_-]{{1,64}}, "
                f"found {excerpt(identity.openai_name)}"
            )
        for key in identity.keys:
            lookup = _lookup_key(key)
            if not lookup:
                raise ConfigError(
                    f"{label}[{position}]: expected non-empty names and aliases, "
                    f"found {excerpt(key)}"
                )
            first = owner.setdefault(lookup, position)
            if first != position:
                raise ConfigError(
                    f"{label}[{position}]: {excerpt(key)} already belongs to "
                    f"{label}[{first}] ({excerpt(identities[first].name)})"
                )
            exact.setdefault(key, identity)
            normal.setdefault(lookup, identity)
    return exact, normal


@frozen(kw_only=True)
class AliasMap:
    """
    Merges the names a person appears under into one canonical participant.

    Build it in code or load it from a people file with `load`.

    Args:
        identities: The people, each with the names and ids that mean them.

    Raises:
        ConfigError: a name, id or alias belongs to two identities.

    Example:
        >>> from persona_clone import Participant
        >>> aliases = AliasMap(identities=(
        ...     Identity(id="ada", name="Ada Yılmaz", aliases=("+90 532 123 45 67",)),
        ... ))
        >>> aliases.resolve(Participant.from_name("+905321234567"))
        Participant(id='ada', name='Ada Yılmaz')

    """

    identities: tuple[Identity, ...] = field(default=(), converter=_identities)
    _exact: dict[str, Identity] = field(init=False, repr=False, eq=False)
    _normal: dict[str, Identity] = field(init=False, repr=False, eq=False)
    # id(participant) -> (participant, answer): hashing a Participant runs Python
    # code, hashing an int does not; holding the participant keeps its id unique.
    _seen: dict[int, tuple[Participant, Identity | None]] = field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        exact, normal = _index(self.identities, "identities")
        object.__setattr__(self, "_exact", exact)
        object.__setattr__(self, "_seen", {})
        object.__setattr__(self, "_normal", normal)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> AliasMap:
        """
        Read the ``[[person]]`` entries of a people file (``.toml`` or ``.json``).

        Raises:
            ConfigError: the file cannot be read or has a bad or unknown key;
                the message names the file and the key
                (``people.toml: ... @ $.person[1].aliases``).
        """
        return cls.from_people_file(read_people_file(path), source=os.fspath(path))

    @classmethod
    def from_people_file(cls, people: PeopleFile, *, source: str = "") -> AliasMap:
        """Build the map from an already structured people file."""
        identities = tuple(
            Identity(
                id=entry.id if entry.id is not None else entry.name,
                name=entry.name,
                aliases=entry.aliases,
                openai_name=entry.openai_name,
            )
            for entry in people.person
        )
        try:
            _index(identities, "$.person")
        except ConfigError as error:
            raise ConfigError(f"{source}: {error}" if source else str(error)) from None
        return cls(identities=identities)

    def identity_of(self, participant: Participant) -> Identity | None:
        """Return the identity *participant* belongs to, or ``None`` if unknown."""
        # A chat has few participants and each message asks again: remember the
        # answers (bounded, for odd inputs with very many distinct participants).
        seen = self._seen
        known = seen.get(id(participant))
        if known is not None:
            return known[1]
        if len(seen) >= _SEEN_LIMIT:
            seen.clear()
        found = self._find(participant)
        seen[id(participant)] = (participant, found)
        return found

    def _find(self, participant: Participant) -> Identity | None:
        for key in (participant.id, participant.name):
            found = self._exact.get(key)
            if found is not None:
                return found
        for key in (participant.id, participant.name):
            found = self._normal.get(_lookup_key(key))
            if found is not None:
                return found
        return None

    def identity_named(self, name: str) -> Identity | None:
        """Return the identity that *name* (an id, name or alias) means, if any."""
        return self._exact.get(name) or self._normal.get(_lookup_key(name))

    def resolve(self, participant: Participant) -> Participant:
        """
        Return the canonical participant for *participant*, or *participant* itself.

        Matches the participant's id, then its name, exactly; then both after
        `normalise_name` (phone numbers compare by their digits and leading ``+``).
        """
        found = self.identity_of(participant)
        return participant if found is None else found.participant


_HASHED: Final = "sha256:"
_SAVED: Final = "scrypt:"


def _storage_key(key: str) -> str:
    """The book's key for an id: a phone number is held only as its hash, in memory."""
    if is_phone_number(key):
        digest = hashlib.sha256(_phone_key(key).encode()).hexdigest()
        return f"{_HASHED}{digest}"
    return key


def _saved_digest(phone: str, name: str) -> str:
    """
    How a phone number is saved: scrypt, salted with the name it was given.

    A plain hash of a phone number is undone by hashing every number (a second
    for all mobile numbers of a country); scrypt makes each try cost about 50 ms
    and 16 MB, and the salt makes every entry a search of its own.
    """
    salt = f"persona_clone names.json: {name}".encode()
    digest = hashlib.scrypt(phone.encode(), salt=salt, n=2**14, r=8, p=1, dklen=16)
    return digest.hex()


def _mask_phone(text: str) -> str:
    digits = _phone_key(text)
    return digits[:1] + "•" * max(len(digits) - 3, 0) + digits[-2:]


@define(kw_only=True)
class NameBook:
    """
    Renders participants' names for outputs, stably and without collisions.

    Each canonical participant (after `AliasMap.resolve`) gets its name the first
    time it is seen, and keeps it:

    - `openai_name` matches ``[A-Za-z0-9_-]{1,64}``: the identity's pinned
      ``openai_name``, else `openai_safe` of the name (``"Çağrı Öztürk"`` →
      ``"Cagri_Ozturk"``). When that is taken by someone else (compared without
      case), ``_2``, ``_3``, ... is appended in order of first appearance.
    - `display_name` is the name with whitespace collapsed; a second person with
      the same name becomes ``"Ada (2)"``.
    - Someone known only by a phone number is ``Contact_1``, ``Contact_2``, ...
      in both, never the number.

    Save the book with `to_json` next to the dataset and load it with
    `from_json` when serving, so the bot uses exactly the training names.
    The saved book holds names and ids but nothing derived from a phone number:
    someone known only by their number is saved under the name they were given
    (``contact:Contact_1``), so a bot loading the book keeps that name taken but
    cannot tell which number it was.

    Args:
        aliases: The alias map that merges participants first.

    Example:
        >>> from persona_clone import Participant
        >>> book = NameBook()
        >>> book.openai_name(Participant.from_name("Çağrı Öztürk"))
        'Cagri_Ozturk'
        >>> book.openai_name(Participant(id="2", name="Çağrı Öztürk"))
        'Cagri_Ozturk_2'
        >>> book.openai_name(Participant.from_name("+90 532 123 45 67"))
        'Contact_1'
        >>> book.display_name(Participant.from_name("+90 532 123 45 67"))
        'Contact_1'

    """

    aliases: AliasMap = field(factory=AliasMap)
    _openai: dict[str, str] = field(init=False, factory=dict)
    _display: dict[str, str] = field(init=False, factory=dict)
    _original: dict[str, str] = field(init=False, factory=dict)
    _taken: set[str] = field(init=False, factory=set)
    _taken_display: set[str] = field(init=False, factory=set)
    _pinned: dict[str, str] = field(init=False, factory=dict)
    # in memory only: the phone number behind each hashed key, to save it as scrypt
    _phones: dict[str, str] = field(init=False, factory=dict, eq=False, repr=False)
    # id(participant) -> (participant, key), as AliasMap's cache
    _keys: dict[int, tuple[Participant, str]] = field(
        init=False, factory=dict, eq=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        for identity in self.aliases.identities:
            if identity.openai_name is not None:
                self._pinned[identity.id] = identity.openai_name
                self._taken.add(identity.openai_name.lower())

    def openai_name(self, participant: Participant) -> str:
        """Return the name to put in OpenAI's ``name`` field for *participant*."""
        return self._openai[self._see(participant)]

    def display_name(self, participant: Participant) -> str:
        """Return a readable label for *participant* (for named legacy prompts)."""
        return self._display[self._see(participant)]

    def mapping(self) -> dict[str, str]:
        """
        Return each original name and the OpenAI name it became, for the report.

        Phone numbers are masked (``+9•••••••••67``); a name shared by several
        people is followed by its id in brackets.
        """
        seen: dict[str, int] = {}
        for original in self._original.values():
            seen[original] = seen.get(original, 0) + 1
        result: dict[str, str] = {}
        for key, original in self._original.items():
            label = _mask_phone(original) if is_phone_number(original) else original
            if seen[original] > 1 and not is_phone_number(original):
                label = f"{original} [{key}]"
            result[label] = self._openai[key]
        return result

    def to_json(self) -> str:
        """Return the book as JSON, for `from_json` at serving time."""
        entries = [
            {
                "key": self._saved_key(key),
                "original": "" if is_phone_number(self._original[key]) else self._original[key],
                "openai_name": self._openai[key],
                "display_name": self._display[key],
            }
            for key in self._openai
        ]
        return json.dumps({"version": 1, "names": entries}, ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str, *, aliases: AliasMap | None = None) -> NameBook:
        """
        Rebuild a book saved with `to_json`; new participants get fresh names.

        Raises:
            ConfigError: *text* is not a saved name book.
        """
        book = cls(aliases=aliases if aliases is not None else AliasMap())
        for entry in _saved_entries(text):
            book._restore(*(str(entry[field_]) for field_ in _SAVED_FIELDS))
        return book

    def _restore(self, key: str, original: str, openai: str, display: str) -> None:
        used = {name.lower() for name in self._openai.values()}
        if not OPENAI_NAME.fullmatch(openai) or openai.lower() in used:
            raise ConfigError(f"name book: expected a unique valid name, found {excerpt(openai)}")
        self._openai[key] = openai
        self._display[key] = display
        self._original[key] = original or display
        self._taken.add(openai.lower())
        self._taken_display.add(display)

    def _see(self, participant: Participant) -> str:
        known = self._keys.get(id(participant))
        if known is not None:
            return known[1]
        canonical = self.aliases.resolve(participant)
        key = _storage_key(canonical.id)
        if key not in self._openai:
            key = self._saved_match(key, canonical.id) or key
        if key not in self._openai:
            self._assign(key, canonical)
        if len(self._keys) >= _SEEN_LIMIT:
            self._keys.clear()
        self._keys[id(participant)] = (participant, key)
        return key

    def _saved_key(self, key: str) -> str:
        if not key.startswith(_HASHED):
            return key
        phone = self._phones.get(key)
        if phone is None:  # restored from a saved book: already in its saved form
            return key
        return f"{_SAVED}{_saved_digest(phone, self._openai[key])}"

    def _saved_match(self, key: str, participant_id: str) -> str | None:
        """The saved entry of the phone number *participant_id*, if the book has one."""
        if not key.startswith(_HASHED):
            return None
        phone = _phone_key(participant_id)
        self._phones[key] = phone
        for saved, name in self._openai.items():
            if saved.startswith(_SAVED) and saved == f"{_SAVED}{_saved_digest(phone, name)}":
                return saved
        return None

    def _assign(self, key: str, canonical: Participant) -> None:
        name = normalise_name(canonical.name)
        self._original[key] = name
        if is_phone_number(name) or (not name and is_phone_number(canonical.id)):
            rendered = self._unique(_CONTACT, always_number=True)
            self._openai[key] = rendered
            self._display[key] = rendered
            self._taken_display.add(rendered)
            return
        pinned = self._pinned.get(canonical.id)
        if pinned is not None:
            self._openai[key] = pinned
        else:
            base = openai_safe(name)
            self._openai[key] = (
                self._unique(base, always_number=False)
                if base
                else self._unique(_FALLBACK, always_number=True)
            )
        display = name or self._openai[key]
        candidate, number = display, 2
        while candidate in self._taken_display:
            candidate = f"{display} ({number})"
            number += 1
        self._display[key] = candidate
        self._taken_display.add(candidate)

    def _unique(self, base: str, *, always_number: bool) -> str:
        """Return the first free name: ``base``, ``base_2``, ... (``base_1`` first)."""
        number = 1 if always_number else 0
        while True:
            suffix = f"_{number}" if number else ""
            candidate = base[: _MAX_NAME - len(suffix)].rstrip("_-") + suffix
            if candidate.lower() not in self._taken:
                self._taken.add(candidate.lower())
                return candidate
            number += 2 if number == 0 else 1


_SAVED_FIELDS: Final = ("key", "original", "openai_name", "display_name")
_BOOK_SHAPE: Final = 'the names.json a build writes: {"version": 1, "names": [...]}'


def _saved_entries(text: str) -> list[dict[str, Any]]:
    """
    The entries of a name book saved with `NameBook.to_json`.

    Raises:
        ConfigError: *text* is not one, saying what it found instead (a
            build's report.json, a people file, JSON that does not parse).
    """
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(
            f"expected a saved name book ({_BOOK_SHAPE}), found text that is not JSON "
            f"({error.msg} at line {error.lineno} column {error.colno})"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("names"), list):
        if isinstance(data, dict):
            keys = ", ".join(repr(key) for key in list(data)[:8]) or "none"
            found = f"an object with the keys {keys}"
            if "person" in data or "consent" in data:
                found += " (a people file: pass it with --aliases)"
        else:
            found = f"a JSON {type(data).__name__}"
        raise ConfigError(f"expected a saved name book ({_BOOK_SHAPE}), found {found}")
    entries: list[Any] = data["names"]
    for index, entry in enumerate(entries):
        missing = (
            [name for name in _SAVED_FIELDS if name not in entry]
            if isinstance(entry, dict)
            else list(_SAVED_FIELDS)
        )
        if missing:
            raise ConfigError(
                f"saved name book: names[{index}]: expected an object with "
                f"{', '.join(_SAVED_FIELDS)}, missing {', '.join(missing)}"
            )
    return entries

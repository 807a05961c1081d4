"""
Redaction: replace personal data in chat text with typed placeholders.

`BuiltinRedactor` finds secrets (API keys, tokens, passwords), phone numbers,
e-mail addresses, IBANs (checksum checked), card numbers (Luhn checked), URLs
and the names of people who opted out, and replaces each with ``<SECRET>``,
``<PHONE>``, ``<EMAIL>``, ``<IBAN>``, ``<CARD>``, ``<URL>`` or ``<NAME>``.
Text outside the replaced spans is returned exactly as it came in: no
normalisation, no case change, emoji and newlines kept.

Any object with a ``redact(text) -> (text, counts)`` method is a `Redactor`, so
stronger detectors (Presidio, a local NER model) plug in the same way.
"""

from __future__ import annotations

import enum
import functools
import re
import unicodedata
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Final, Protocol, runtime_checkable

from attrs import define, evolve, field, frozen

from .._fast import with_text
from ..errors import ConfigError, excerpt
from ..message import Message
from .secrets import names_secret_keyword, secret_spans


__all__ = [
    "BuiltinRedactor",
    "PrivacyReport",
    "RedactionKind",
    "Redactor",
    "redact_messages",
]


class RedactionKind(enum.Enum):
    """A kind of personal data, with its placeholder (``"<PHONE>"``, ...)."""

    PHONE = "phone"
    EMAIL = "email"
    IBAN = "iban"
    CARD = "card"
    URL = "url"
    NAME = "name"
    SECRET = "secret"  # noqa: S105 - the kind's name, not a password

    @property
    def placeholder(self) -> str:
        """The text that replaces a redacted span, e.g. ``"<PHONE>"``."""
        return f"<{self.name}>"


ALL_KINDS = frozenset(RedactionKind)
"""Every kind of redaction: the default of `BuiltinRedactor`."""


@runtime_checkable
class Redactor(Protocol):
    """Something that replaces personal data in a text with placeholders."""

    def redact(self, text: str) -> tuple[str, Counter[RedactionKind]]:
        """Return *text* with personal data replaced, and how many of each kind."""
        ...


# --- detectors -----------------------------------------------------------------

_PLACEHOLDER = re.compile("|".join(re.escape(kind.placeholder) for kind in RedactionKind))

_EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]+@[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)*"
    r"\.[^\W\d_]{2,}(?![\w@])"
)

_TLDS = "com|net|org|io|dev|app|me|co|tr|uk|de|fr|nl|eu|info|edu|gov|ly|gl|be|tv|gg|to"
_URL = re.compile(
    r"(?<![\w@/.])(?:(?:https?|ftp)://|www\.)[^\s<>\"'`]+"
    rf"|(?<![\w@/.-])(?:[a-z0-9-]+\.)+(?:{_TLDS})(?::\d+)?/[^\s<>\"'`]*"
    rf"|(?<![\w@/.-])(?:[a-z0-9-]+\.)+(?:{_TLDS})\b(?![@.\w-])",
    re.IGNORECASE,
)
_URL_HINT = re.compile(rf"://|www\.|\.(?:{_TLDS})\b", re.IGNORECASE)
_URL_TRAILING = ".,;:!?'\"’”)]}>*"

_DIGIT = re.compile(r"\d")
_GATES = re.compile(r"[@.:=\d]")
"""What any kind but names needs to be found: an "@", a ".", a ":", a "=" or a
digit (secrets need a digit, ".", ":" or "="; "://" holds a ":"): one character
class, which is searched much faster than an alternation."""
_new_counter = Counter.__new__
"""Makes an empty `Counter` without running its ``__init__`` (a Python function)."""
_REMEMBERED_REDACTIONS: Final = 8_192
"""How many counted messages a `PrivacyReport` remembers (see `count_redacted`)."""
_SEP = "[ \u00a0\u202f\u3000]"
_PLUS = "[+\uff0b]"
_PHONE = re.compile(
    rf"(?:(?<=[tT][eE][lL]:)|(?<![\w+\uff0b./,:-])"  # not glued to a word, a number, a time
    rf"|(?<=[/,:-])(?=\(?{_PLUS})"  # "+90 ... /+90 ...": a "+" starts a number after a list mark
    r"|(?<=\\u[0-9a-fA-F]{4})"  # after an escape in JSON text: "\u202a+90 ..."
    r"|(?<=\s[/,]))"  # "0532 ... /0533 ...": so does a space and a list mark
    rf"(?:\({_PLUS}\d{{1,4}}\){_SEP}?|{_PLUS}{_SEP}?)?"  # "+90 ", "(+44) "
    rf"(?:\(\d{{1,5}}\){_SEP}?)?"
    rf"\d(?:\d|[ \u00a0\u202f\u3000./-](?=[\d(])|{_SEP}?\(\d{{1,5}}\){_SEP}?(?=\d))*\d"
    rf"(?![\w]|[.,/:-]\d)"  # not followed by more of a number, a decimal or a time
)
_PHONE_GROUP = re.compile(r"\(?[+\uff0b]?\(?\d+\)?")
_MENTION_DIGITS = (8, 15)
"""An @-mention of an unsaved WhatsApp contact: the number without "+"."""


@functools.cache
def _ascii_digits() -> dict[int, str]:
    """Every Unicode decimal digit (Arabic-Indic, full-width, ...) as its ASCII digit."""
    # built on first use: walking the code points costs a tenth of a second
    table = {
        code: str(value)
        for code in range(0x660, 0x1FBFA)
        if (value := unicodedata.decimal(chr(code), None)) is not None
    }
    table[0xFF0B] = "+"
    return table


_DATE_START = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}(?!\d)")
_DATE = re.compile(
    r"(?<!\d)(?:\d{1,2}([./-])\d{1,2}\1(?:\d{4}|\d{2})|\d{4}([./-])\d{1,2}\2\d{1,2})(?!\d)"
)
_IBAN_GROUP = 4
_MONTHS = 12
_DAYS = 31
_US_PHONE = re.compile(r"(?:\+?1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}")
_TR_MOBILE = re.compile(r"5\d{2}[ .-]?\d{3}[ .-]?\d{2}[ .-]?\d{2}")

_IBAN_SEPARATORS = " \u00a0.-"
_IBAN = re.compile(r"(?<![\w])[A-Za-z]{2}[ \u00a0]?\d{2}(?:[ \u00a0.-]?[A-Za-z0-9]){11,30}(?!\w)")
_IBAN_SPLIT = re.compile(r"[ \u00a0.-]")
_CARD = re.compile(
    r"(?<![\w+.,-])"
    r"(?=[2-6]|9792)"  # the networks' first digits (Troy: 9792); order numbers differ
    r"(?:\d{13,19}"  # written without spaces
    r"|\d{4}( - | |-|\.)\d{4}\1\d{4}\1\d{1,7}"  # 4-4-4-4 (and 13 to 19 digits)
    r"|3\d{3}( - | |-|\.)\d{6}\2\d{4,5})"  # American Express and Diners 4-6-5
    r"(?![\w]|[.,]\d)"
)

_TURKISH_SUFFIXES = (
    *("nın", "nin", "nun", "nün", "ın", "in", "un", "ün"),  # genitive
    *("yı", "yi", "yu", "yü", "ı", "i", "u", "ü"),  # accusative
    *("ya", "ye", "a", "e"),  # dative
    *("da", "de", "ta", "te", "dan", "den", "tan", "ten"),  # locative, ablative
    *("la", "le", "yla", "yle"),  # "with"
    *("ların", "lerin", "lar", "ler"),  # plural
    *("cığım", "ciğim", "cım", "cim", "cuğum", "çığım"),  # endearment
)
_INTERNATIONAL = (8, 15)  # digits after "+" (E.164 allows at most 15)
_MIN_DISTINCT_DIGITS = 2  # "0000 0000 0000" is a placeholder, not a number
_MIN_NAME = 2
_MIN_NAME_WITH_SUFFIX = 3


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


def _is_phone(text: str) -> bool:
    """Return whether a candidate span is a phone number, not a date, price or year."""
    if not text.isascii():
        text = text.translate(_ascii_digits())
    digits = _digits(text)
    if len(set(digits)) < _MIN_DISTINCT_DIGITS:
        return False
    if text.startswith("(+"):  # "(+44) 7700 900123"
        text = text[1:]
    if text.startswith("+"):
        limit = _INTERNATIONAL[1] + 1 if "(0)" in text else _INTERNATIONAL[1]
        return _INTERNATIONAL[0] <= len(digits) <= limit
    if digits.startswith("00"):  # country codes never start with 0
        return digits[2] != "0" and 10 <= len(digits) <= 17  # noqa: PLR2004 - "00" + 8 to 15 digits
    if _DATE_START.match(text):
        return False
    if digits.startswith("0"):
        return 10 <= len(digits) <= 12  # noqa: PLR2004 - national numbers (TR, UK, DE)
    return bool(_US_PHONE.fullmatch(text) or _TR_MOBILE.fullmatch(text))


def _dates(text: str) -> list[tuple[int, int]]:
    """Spans of dates (``12.03.2024``, ``2024-03-12``) that no phone may touch."""
    spans = []
    for match in _DATE.finditer(text):
        parts = [int(part) for part in re.split(r"[./-]", match.group())]
        first, middle, last = parts
        day_month = middle <= _MONTHS and (first <= _DAYS or last <= _DAYS)
        if day_month or (first <= _MONTHS and middle <= _DAYS):
            spans.append(match.span())
    return spans


def _phone_spans(text: str) -> Iterator[tuple[int, int]]:
    dates: list[tuple[int, int]] | None = None
    for match in _PHONE.finditer(text):
        if _is_mention(text, match):
            yield match.span()
            continue
        groups = [
            (group.start() + match.start(), group.end() + match.start())
            for group in _PHONE_GROUP.finditer(match.group())
        ]
        if dates is None:
            dates = _dates(text)
        # Two numbers written one after the other form one candidate: take the
        # longest valid run of groups from each position.
        first = 0
        while first < len(groups):
            begin = groups[first][0]
            if first and not text[begin - 1].isspace() and text[begin] not in "+\uff0b(":
                first += 1  # "10.0.19045": a number starts after a space, not inside one
                continue
            for last in range(len(groups), first, -1):
                start, end = groups[first][0], groups[last - 1][1]
                if _is_phone(text[start:end]) and not any(
                    start < d_end and d_start < end for d_start, d_end in dates
                ):
                    yield start, end
                    first = last
                    break
            else:
                first += 1


def _is_mention(text: str, match: re.Match[str]) -> bool:
    """Whether *match* is the number of an @-mention (``@905321234567``)."""
    start = match.start()
    before = text[max(start - 2, 0) : start]
    if not (before.endswith("@") or before == "@\u2068"):  # WhatsApp may isolate the mention
        return False
    number = match.group()
    return number.isdigit() and _MENTION_DIGITS[0] <= len(number) <= _MENTION_DIGITS[1]


def _iban_valid(candidate: str) -> bool:
    groups = _IBAN_SPLIT.split(candidate)
    if len(groups) > 1 and len(groups[0]) == 2 and groups[0].isalpha():  # noqa: PLR2004
        groups[:2] = [groups[0] + groups[1]]  # "TR 33 0006 ...": the country code apart
    if len(groups) > 1 and any(len(group) != _IBAN_GROUP for group in groups[:-1]):
        return False  # written in groups of four: only the last may be shorter
    compact = "".join(groups).upper()
    if not 15 <= len(compact) <= 34 or not compact.isascii():  # noqa: PLR2004
        return False
    rotated = compact[4:] + compact[:4]
    number = "".join(str(int(char, 36)) for char in rotated)
    return int(number) % 97 == 1


def _iban_spans(text: str) -> Iterator[tuple[int, int]]:
    position = 0
    while match := _IBAN.search(text, position):
        candidate = match.group()
        # The greedy match may run into the next word or IBAN; try shorter ends
        # at spaces, and go on after the IBAN found, not after the match.
        ends = [len(candidate)] + [
            index
            for index in range(len(candidate) - 1, 14, -1)
            if candidate[index] in _IBAN_SEPARATORS
        ]
        position = match.start() + 1
        for end in ends:
            if _iban_valid(candidate[:end]):
                yield match.start(), match.start() + end
                position = match.start() + end
                break


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2  # noqa: PLR2004
        total += value
    return total % 10 == 0


def _card_spans(text: str) -> Iterator[tuple[int, int]]:
    for match in _CARD.finditer(text):
        digits = _digits(match.group())
        if _luhn(digits) and len(set(digits)) > 1:
            yield match.span()


def _email_spans(text: str) -> Iterator[tuple[int, int]]:
    for match in _EMAIL.finditer(text):
        yield match.span()


def _url_spans(text: str) -> Iterator[tuple[int, int]]:
    for match in _URL.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in _URL_TRAILING:
            if text[end - 1] == ")" and text.count("(", start, end) >= text.count(")", start, end):
                break
            end -= 1
        if end > start:
            yield start, end


def _letter_class(char: str) -> str:
    """A regex class for *char* in either case; Turkish i, ı, İ, I all match."""
    if char in "iIıİ":
        return "[iIıİ]"
    variants = {char, char.lower(), char.upper()}
    variants = {variant for variant in variants if len(variant) == 1}
    if len(variants) == 1:
        return re.escape(char)
    return "[" + "".join(re.escape(variant) for variant in sorted(variants)) + "]"


def _name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    cleaned = sorted(
        {" ".join(name.split()) for name in names if len(name.strip()) >= _MIN_NAME},
        key=lambda name: (-len(name), name),
    )
    if not cleaned:
        return None
    suffixes = "|".join(
        "".join(_letter_class(char) for char in suffix)
        for suffix in sorted(_TURKISH_SUFFIXES, key=len, reverse=True)
    )
    alternatives = []
    for name in cleaned:
        # words may be glued or joined as in handles ("MehmetKaya", "mehmet_kaya",
        # "@mehmet.kaya92"): the digits a handle ends with go with the name
        body = _WORD_JOINER.join(map(_word_pattern, name.split()))
        if len(name.split()) > 1:
            body += r"\d*"
        if len(name) >= _MIN_NAME_WITH_SUFFIX:
            body += rf"(?=(?:{suffixes})?(?!\w))"
        else:
            body += r"(?!\w)"
        alternatives.append(body)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + ")")


_WORD_JOINER = r"[\s\u00a0._-]*"
_TITLES_BEFORE = ("mr", "mrs", "ms", "miss", "dr", "prof", "bay", "bayan", "sayın")
_TITLES_AFTER = (
    *("bey", "beyi", "beyin", "beye", "beyle", "hanım", "hanımı", "hanımın", "hanıma"),
    *("hanımla", "hoca", "hocam", "hocanın", "abi", "abim", "abla", "ablam", "ailesi"),
    "family",
)


def _word_pattern(word: str) -> str:
    """One word of a name: each letter in any case, and drawn out."""
    # each letter may be drawn out ("Çağrııı", "Deeeniz"): people type names so;
    # lazily, so a suffix made of the last letter stays a suffix ("Ayşe" + "e")
    return "".join(
        _letter_class(char) + ("+?" if char.isalpha() else "")
        for char in unicodedata.normalize("NFC", word)
    )


def _any_case(words: Iterable[str]) -> str:
    return "|".join(
        "".join(_letter_class(char) for char in word)
        for word in sorted(words, key=len, reverse=True)
    )


def _surname_pattern(surnames: Iterable[str]) -> re.Pattern[str] | None:
    """
    Surnames where they are used as names; the group that matched is the span.

    Before an apostrophe, as a handle, after a title or before one.
    """
    cleaned = sorted(
        {" ".join(name.split()) for name in surnames if len(name.strip()) >= _MIN_NAME},
        key=lambda name: (-len(name), name),
    )
    if not cleaned:
        return None
    body = "(?:" + "|".join(_WORD_JOINER.join(map(_word_pattern, n.split())) for n in cleaned) + ")"
    space = r"[\s\u00a0]+"
    return re.compile(
        rf"(?<!\w)({body})(?=['’][^\W\d_])"  # Kaya'nın
        rf"|(?<=@)((?:[^\W\d_][._]?)?{body}\d*)(?!\w)"  # @kaya, @m.kaya
        rf"|(?<!\w)(?:{_any_case(_TITLES_BEFORE)})\.?{space}({body})(?!\w)"  # Bay Kaya
        rf"|(?<!\w)({body})(?={space}(?:{_any_case(_TITLES_AFTER)})(?!\w))"  # Kaya Bey
    )


_I_LETTERS = re.compile("[iIıİ\u0307]+")
_REPEATS = re.compile(r"(.)\1+", re.DOTALL)


def _stem(name: str) -> str:
    """
    The longest lower-cased piece of a name's first word without any i-letter.

    Letters written several times in a row count once (``"anna"`` -> ``"ana"``),
    as in the squeezed text `_mentions` compares it with.
    """
    pieces = _I_LETTERS.split(unicodedata.normalize("NFC", name.split(maxsplit=1)[0]).lower())
    return _REPEATS.sub(r"\1", max(pieces, key=len))


def _mentions(stems: tuple[str, ...], text: str) -> bool:
    """
    Cheap test before the name regex: may any name occur in *text*?

    ``str.lower`` runs in C; the i-letters, which it cannot lower the Turkish
    way, are left out of the stems, and repeated letters are squeezed on both
    sides (names may be drawn out: "Çaaağrı"), so the test has no false negatives.
    """
    lowered = text.lower()
    if any(stem in lowered for stem in stems):
        return True
    squeezed = _REPEATS.sub(r"\1", lowered)
    return any(stem in squeezed for stem in stems)


def _name_spans(
    names: re.Pattern[str] | None, surnames: re.Pattern[str] | None, text: str
) -> Iterator[tuple[int, int]]:
    spans = [match.span() for match in names.finditer(text)] if names is not None else []
    if surnames is not None:
        spans.extend(match.span(match.lastindex or 0) for match in surnames.finditer(text))
        spans.sort()
    yield from spans


_ESCAPE = re.compile(r"\\{1,2}(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))|\\\\")
"""The escapes ``repr`` and JSON write for characters (escaped again where ``repr``
quotes JSON text), and an escaped backslash."""
_MAX_CODE_POINT = 0x10FFFF


def _invisible(match: re.Match[str]) -> str | None:
    """The invisible character an escape stands for, if it stands for one."""
    if match.lastindex is None:
        return None  # an escaped backslash: what follows it is text
    code = int(match[match.lastindex], 16)
    if code > _MAX_CODE_POINT or chr(code).isprintable():
        return None
    return chr(code)


def _unescaped(text: str) -> tuple[str, dict[str, str]] | None:
    r"""
    *text* with escapes of invisible characters decoded, and each one's spelling.

    Error messages quote their input with `persona_clone.errors.excerpt`, a
    ``repr``, and JSON text escapes what it cannot show: WhatsApp's direction
    marks and no-break spaces around and inside a number become ``\u202a``,
    ``\xa0`` or ``\u00a0`` (``\\u00a0`` in a ``repr`` of JSON text), which glue
    the number to a word. Only printable text is decoded (as ``repr`` and JSON
    write it), and only characters written one way throughout, so every
    invisible character of the decoded text came from an escape with one
    spelling, and `_escaped` restores the text outside the replaced spans
    exactly. Returns None when there is nothing to decode.
    """
    if not text.isprintable():
        return None
    spellings: dict[str, set[str]] = {}
    for match in _ESCAPE.finditer(text):
        char = _invisible(match)
        if char is not None:
            spellings.setdefault(char, set()).add(match.group())
    single = {char: found.pop() for char, found in spellings.items() if len(found) == 1}
    if not single:
        return None

    def decode(match: re.Match[str]) -> str:
        char = _invisible(match)
        return char if char in single else match.group()

    return _ESCAPE.sub(decode, text), single


def _escaped(text: str, spellings: dict[str, str]) -> str:
    """*text* with its invisible characters written as *spellings* says."""
    return "".join(spellings.get(char, char) for char in text)


_IBAN_START = re.compile(r"\d\d(?:(?<=[A-Za-z]{2}\d\d)|(?<=[A-Za-z]{2}[ \u00a0]\d\d))")
"""What every IBAN starts with: a country code and two check digits.

Written from the digits back (a lookbehind for the letters): the regex engine
skips to the next digit in C, where a pattern that starts with letters is
tried at almost every position of a chat line."""
_PHONE_DIGITS = 8


def _eight_digits(text: str) -> bool:
    """Whether *text* holds the eight digits every phone (and card) number needs."""
    return len(_DIGIT.findall(text)) >= _PHONE_DIGITS


_NUMBERS: tuple[
    tuple[
        RedactionKind,
        Callable[[str], Iterable[tuple[int, int]]],
        Callable[[str], object],
    ],
    ...,
] = (
    (RedactionKind.IBAN, _iban_spans, _IBAN_START.search),
    (RedactionKind.CARD, _card_spans, _eight_digits),
    (RedactionKind.PHONE, _phone_spans, _eight_digits),
)
"""The kinds made of digits, in the order they are redacted, each with a gate
that any text holding one matches (tested on the text before any replacement:
replacements only remove digits)."""


def _kind_set(values: Iterable[RedactionKind | str]) -> frozenset[RedactionKind]:
    """Accept kinds or their names (``"url"``), for configuration and the CLI."""
    kinds = set()
    for value in values:
        if isinstance(value, RedactionKind):
            kinds.add(value)
            continue
        try:
            kinds.add(RedactionKind(value))
        except ValueError:
            known = ", ".join(kind.value for kind in RedactionKind)
            raise ConfigError(
                f"expected a redaction kind ({known}), found {excerpt(value)}"
            ) from None
    return frozenset(kinds)


def _name_tuple(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


@frozen(kw_only=True)
class BuiltinRedactor:
    """
    The built-in `Redactor` for Turkish and English chat text.

    Finds, in this order (each kind sees the placeholders written before it,
    so a span is never claimed twice): secrets (API keys such as ``sk-...``,
    bearer tokens, the word after "password:" or "şifre:", see
    `persona_clone.privacy.secrets`), e-mail addresses, URLs
    (``https://...``, ``www....`` and bare ``site.com/path``), IBANs (mod-97
    checksum), card numbers (13-19 digits, Luhn checksum), phone numbers
    (international ``+90 532 123 45 67``, ``0044 ...``, national ``0532 123 45 67``,
    ``(0212) 123 45 67``, ``07700 900123``, ``030/1234567``, US ``(555) 123-4567``,
    ``(+44) 7700 900123``, ``tel:+15550109999``, WhatsApp's @-mentions of unsaved
    contacts ``@905321234567``, in any script's digits: ``٠٥٣٢ ...``, ``０５３２ ...``),
    and the *names* of excluded people, also with Turkish suffixes
    (``Ayşe'nin`` → ``<NAME>'nin``, ``Ahmet'e`` → ``<NAME>'e``), in any letter
    case (``i``/``İ``/``ı``/``I`` all match each other), drawn out
    (``Ayşeee``) and, for names of several words, glued or as a handle
    (``MehmetKaya``, ``mehmet_kaya``, ``@mehmet.kaya92``).
    *surnames* are redacted only where they are clearly a name: before an
    apostrophe (``Kaya'nın``), as a handle (``@kaya``), after a title
    (``Bay Kaya``, ``Mr Kaya``) or before one (``Kaya Bey``, ``Kaya Hanım``);
    elsewhere they may be ordinary words ("kaya gibi": like a rock).
    Dates (``12.03.2024``), times (``14:30``), prices (``1.250.000 TL``) and years
    are left alone. Existing placeholders are never touched again, so redacting
    twice changes nothing.

    Args:
        kinds: The kinds to redact (default: all), as `RedactionKind` values or
            their names (``"url"``). Leave out `RedactionKind.URL` to keep links.
        names: Names of excluded people to redact as ``<NAME>``.
        surnames: Words redacted as ``<NAME>`` only where they are used as a
            name (see above).

    Example:
        >>> redactor = BuiltinRedactor(names=("Ayşe",))
        >>> text, counts = redactor.redact("Ayşe'nin numarası +90 532 123 45 67 🙂")
        >>> text
        "<NAME>'nin numarası <PHONE> 🙂"
        >>> sorted(kind.value for kind in counts.elements())
        ['name', 'phone']

    """

    kinds: frozenset[RedactionKind] = field(default=ALL_KINDS, converter=_kind_set)
    names: tuple[str, ...] = field(default=(), converter=_name_tuple)
    surnames: tuple[str, ...] = field(default=(), converter=_name_tuple)
    _names: re.Pattern[str] | None = field(init=False, repr=False, eq=False)
    _surnames: re.Pattern[str] | None = field(init=False, repr=False, eq=False)
    _secret: bool = field(init=False, repr=False, eq=False)
    _stems: tuple[str, ...] = field(init=False, repr=False, eq=False)
    _email: bool = field(init=False, repr=False, eq=False)
    _url: bool = field(init=False, repr=False, eq=False)
    _numbers: tuple[
        tuple[RedactionKind, Callable[[str], Iterable[tuple[int, int]]], Callable[[str], object]],
        ...,
    ] = field(init=False, repr=False, eq=False)
    _clean: Callable[[str], object] | None = field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        # The kinds asked for, decided once: a RedactionKind hashes in Python code.
        object.__setattr__(self, "_secret", RedactionKind.SECRET in self.kinds)
        object.__setattr__(self, "_email", RedactionKind.EMAIL in self.kinds)
        object.__setattr__(self, "_url", RedactionKind.URL in self.kinds)
        numbers = tuple(number for number in _NUMBERS if number[0] in self.kinds)
        object.__setattr__(self, "_numbers", numbers)
        named = RedactionKind.NAME in self.kinds
        pattern = _name_pattern(self.names) if named else None
        object.__setattr__(self, "_names", pattern)
        surnames = _surname_pattern(self.surnames) if named else None
        object.__setattr__(self, "_surnames", surnames)
        stems = {_stem(name) for name in (*self.names, *self.surnames) if name.split()}
        object.__setattr__(self, "_stems", tuple(sorted(stems)))
        # Without names, redact() changes nothing in a text this finds nothing in
        # (each kind's gate needs an "@", a ".", a ":", a "=" or a digit): one C search.
        clean = _GATES.search if pattern is None and surnames is None else None
        object.__setattr__(self, "_clean", clean)

    def redact(self, text: str) -> tuple[str, Counter[RedactionKind]]:
        """Return *text* with personal data replaced by placeholders, and counts."""
        counts: Counter[RedactionKind] = _new_counter(Counter)
        if not text:
            return text, counts
        if "\\" in text and (decoded := _unescaped(text)) is not None:
            # a quote made by repr, or JSON text: redact what it shows, escape it again
            redacted, counts = self.redact(decoded[0])
            return _escaped(redacted, decoded[1]), counts
        # E-mails before URLs ("ada@site.com" is one address), URLs before numbers
        # (digits inside links), names last; each sees the placeholders before it.
        # Each kind is gated by a test in C that its regexes cannot match without
        # (an "@", a "." or "://", a digit, a name's stem), and all but names by
        # one character class first: most chat lines pass none of them and cost
        # a search or two.
        if _GATES.search(text) is not None:
            text = self._redact_gated(text, counts)
        if (self._names is not None or self._surnames is not None) and _mentions(self._stems, text):
            text = _replace(
                text, _name_spans(self._names, self._surnames, text), RedactionKind.NAME, counts
            )
        return text, counts

    def _redact_gated(self, text: str, counts: Counter[RedactionKind]) -> str:
        """Redact every kind but names in a text that holds one of `_GATES`."""
        # _GATES holds every character a secret may need (see secrets.SECRET_CHARS)
        if self._secret and names_secret_keyword(text):
            text = _replace(text, secret_spans(text), RedactionKind.SECRET, counts)
        if self._email and "@" in text:
            text = _replace(text, _email_spans(text), RedactionKind.EMAIL, counts)
        if self._url and ("://" in text or ("." in text and _URL_HINT.search(text))):
            text = _replace(text, _url_spans(text), RedactionKind.URL, counts)
        if self._numbers and _DIGIT.search(text):
            original = text
            for kind, finder, gate in self._numbers:
                if gate(original):
                    text = _replace(text, finder(text), kind, counts)
        return text


def _replace(
    text: str,
    spans: Iterable[tuple[int, int]],
    kind: RedactionKind,
    counts: Counter[RedactionKind],
) -> str:
    """Replace the *spans* of *text* by *kind*'s placeholder; keep placeholders."""
    pieces: list[str] = []
    position = 0
    protected: list[tuple[int, int]] | None = None
    for start, end in spans:
        if start < position:
            continue
        if protected is None:
            protected = [match.span() for match in _PLACEHOLDER.finditer(text)]
        if any(start < p_end and p_start < end for p_start, p_end in protected):
            continue
        pieces += (text[position:start], kind.placeholder)
        position = end
        counts[kind] += 1
    if not pieces:
        return text
    pieces.append(text[position:])
    return "".join(pieces)


@define(kw_only=True)
class PrivacyReport:
    """
    What the privacy steps did: redactions per kind and what opt-outs removed.

    One report is passed to every step of a build (`redact_messages`,
    `persona_clone.Consent.apply`), which add their counts to it.

    Args:
        redactions: Number of spans replaced, per kind.
        messages_redacted: Messages whose text (or attachment names or URLs)
            changed, each counted once however many steps changed it (see
            `count_redacted`).
        messages_replaced: Messages of opted-out people replaced by the placeholder.
        sessions_dropped: Sessions left out because an opted-out person wrote in them.
        messages_dropped: Messages in those sessions.
    """

    redactions: Counter[RedactionKind] = field(factory=Counter)
    messages_redacted: int = 0
    messages_replaced: int = 0
    sessions_dropped: int = 0
    messages_dropped: int = 0
    _redacted: set[tuple[object, ...]] = field(factory=set, init=False, repr=False, eq=False)
    _redacted_order: deque[tuple[object, ...]] = field(
        factory=deque, init=False, repr=False, eq=False
    )

    def count_redacted(self, message: Message) -> None:
        """
        Count *message* as redacted, unless a step counted it before.

        A message is known by its chat, id, time and author, which redaction
        does not change: when the names in it are redacted by one step and a
        phone number by the next, or its text and an attachment both change,
        it is one message redacted. The steps of a build see a message within
        a session of each other, so the report remembers only the last
        8,192 messages it counted: memory stays bounded on any export.

        Example:
            >>> from persona_clone.testing import make_message
            >>> report, message = PrivacyReport(), make_message(text="Bob: +90 532 123 45 67")
            >>> report.count_redacted(message)
            >>> report.count_redacted(message)
            >>> report.messages_redacted
            1

        """
        author = message.author
        key = (message.chat, message.id, message.sent_at, author.id if author else None)
        seen = self._redacted
        if key not in seen:
            order = self._redacted_order
            if len(order) >= _REMEMBERED_REDACTIONS:
                seen.discard(order.popleft())
            seen.add(key)
            order.append(key)
            self.messages_redacted += 1

    def add(self, counts: Counter[RedactionKind]) -> None:
        """Add one text's redaction *counts*."""
        redactions = self.redactions
        for kind, count in counts.items():  # one or two kinds: cheaper than Counter.update
            redactions[kind] += count

    def to_dict(self) -> dict[str, Any]:
        """
        Return the report as plain JSON-ready data, every kind listed.

        Example:
            >>> PrivacyReport().to_dict()["redactions"]["phone"]
            0

        """
        return {
            "redactions": {kind.value: self.redactions[kind] for kind in RedactionKind},
            "messages_redacted": self.messages_redacted,
            "messages_replaced": self.messages_replaced,
            "sessions_dropped": self.sessions_dropped,
            "messages_dropped": self.messages_dropped,
        }


def redact_messages(
    messages: Iterable[Message], redactor: Redactor, report: PrivacyReport
) -> Iterator[Message]:
    """
    Redact the text of each message, lazily, counting into *report*.

    Attachment names and URLs go through the same redactor: a contact card saved
    as ``+90 532 123 45 67.vcf`` becomes ``<PHONE>.vcf``, and a link to the file
    becomes ``<URL>`` when URLs are redacted.
    Messages without anything to redact are passed on as the same object.
    """
    gates: Callable[[str], object] | None = None
    gated: Callable[[str, Counter[RedactionKind]], str] | None = None
    if isinstance(redactor, BuiltinRedactor) and redactor._clean is not None:  # noqa: SLF001
        # Without names, redact() is its gated part: ask the gate once.
        gates, gated = redactor._clean, redactor._redact_gated  # noqa: SLF001
    for message in messages:
        # a backslash may start an escape, which only redact() decodes
        if (
            gated is not None
            and gates is not None
            and not message.attachments
            and "\\" not in message.text
        ):
            if gates(message.text) is None:
                yield message  # nothing to redact, known without building counts
                continue
            counts = _new_counter(Counter)
            text = gated(message.text, counts)
        else:
            text, counts = redactor.redact(message.text)
        attachments = message.attachments
        if attachments:
            changed = []
            for attachment in attachments:
                name, name_counts = redactor.redact(attachment.name)
                url, url_counts = (
                    redactor.redact(attachment.url)
                    if attachment.url
                    else (attachment.url, Counter())
                )
                if name_counts or url_counts:
                    counts += name_counts
                    counts += url_counts
                    changed.append(evolve(attachment, name=name, url=url))
                else:
                    changed.append(attachment)
            attachments = tuple(changed)
        if counts:
            report.add(counts)
            report.count_redacted(message)
            yield with_text(message, text, attachments)
        else:
            yield message

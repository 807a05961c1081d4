"""Laws of redaction: idempotent, exact outside the spans, silent on clean text."""

from __future__ import annotations

import re
import string
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from persona_clone import (
    Attachment,
    BuiltinRedactor,
    PrivacyReport,
    RedactionKind,
    redact_messages,
)
from persona_clone.privacy import redaction, secrets
from persona_clone.testing import make_message
from persona_clone.testing.strategies import message_texts


REDACTOR = BuiltinRedactor(names=("Ayşe", "Ahmet Yılmaz"))

_WORD_CHARS = string.ascii_letters + "çğıİöşüÇĞÖŞÜâîû"
_WORDS = st.text(_WORD_CHARS, min_size=1, max_size=10).filter(
    # neither a name the redactor knows nor a password keyword: "şifre 0532..." is a
    # password by rule, so the words between values must not be keywords
    lambda word: (
        word.casefold() not in {"ayşe", "ahmet"}
        and re.fullmatch(secrets._KEYWORD, word, re.IGNORECASE) is None
    )
)
_SAFE_TOKENS = st.sampled_from(
    [
        "14:30",
        "09:05",
        "12.03.2024",
        "2024-03-12",
        "12/03/2024",
        "1.250.000 TL",
        "₺1.500",
        "3,5",
        "%50",
        "2024",
        "1990-2000",
        "saat 14.30'da",
        "😂",
        "👍🏽",
        "🇹🇷",
        "?!",
        "…",
        "'",
        "İstanbul'da",
        "ışık",
    ]
)
_SEPARATORS = st.sampled_from([" ", "  ", "\n", ", ", " - ", "\r\n"])


@st.composite
def clean_texts(draw: st.DrawFn) -> str:
    """Turkish and English text with dates, times, prices and emoji but no PII."""
    parts = draw(st.lists(st.one_of(_WORDS, _SAFE_TOKENS), min_size=1, max_size=12))
    text = parts[0]
    for part in parts[1:]:
        text += draw(_SEPARATORS) + part
    return text


def _digits(size: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=size, max_size=size)


def _luhn_complete(body: str) -> str:
    total = 0
    for position, char in enumerate(reversed(body)):
        value = int(char)
        if position % 2 == 0:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return body + str((10 - total % 10) % 10)


def _iban(bank: str) -> str:
    number = int("".join(str(int(char, 36)) for char in bank + "TR00"))
    check = 98 - number % 97
    compact = f"TR{check:02d}{bank}"
    return " ".join(compact[index : index + 4] for index in range(0, len(compact), 4))


_PII = st.one_of(
    _digits(9).map(lambda d: (f"+90 5{d[:2]} {d[2:5]} {d[5:7]} {d[7:]}", "<PHONE>")),
    _digits(9).map(lambda d: (f"05{d}", "<PHONE>")),
    _digits(7).map(lambda d: (f"(555) {d[:3]}-{d[3:]}", "<PHONE>")),
    st.tuples(st.text(string.ascii_lowercase, min_size=1, max_size=8), _digits(2)).map(
        lambda pair: (f"{pair[0]}.{pair[1]}@example.com", "<EMAIL>")
    ),
    _digits(14)
    .map(lambda d: _luhn_complete("4" + d))
    .filter(lambda card: len(set(card)) > 2)
    .map(lambda card: (" ".join(card[i : i + 4] for i in range(0, 16, 4)), "<CARD>")),
    _digits(22).map(lambda d: (_iban(d), "<IBAN>")),
    st.text(string.ascii_lowercase, min_size=1, max_size=8).map(
        lambda path: (f"https://example.com/{path}", "<URL>")
    ),
)


@given(clean_texts())
def test_clean_text_is_returned_unchanged(text: str) -> None:
    """Turkish-rich text with dates, times, prices and emoji but no PII is unchanged."""
    assert (text, 0) == (REDACTOR.redact(text)[0], REDACTOR.redact(text)[1].total())


@given(st.lists(st.tuples(_WORDS, _PII), min_size=1, max_size=6), _WORDS)
def test_text_outside_the_spans_is_kept(
    pieces: list[tuple[str, tuple[str, str]]], end: str
) -> None:
    """Each piece of PII becomes its placeholder; the text between stays as written."""
    text = " ".join(f"{word} {pii}" for word, (pii, _) in pieces) + " " + end
    expected = " ".join(f"{word} {placeholder}" for word, (_, placeholder) in pieces) + " " + end

    assert expected == REDACTOR.redact(text)[0]


_INTERNATIONAL_PHONES = st.one_of(
    _digits(9).map(lambda d: f"+90 5{d[:2]} {d[2:5]} {d[5:7]} {d[7:]}"),
    _digits(9).map(lambda d: f"+905{d}"),
    _digits(9).map(lambda d: f"(+90) 5{d[:2]} {d[2:5]} {d[5:7]} {d[7:]}"),
    _digits(10).map(lambda d: f"+44 7{d[:3]} {d[3:9]}"),
)
_NATIONAL_PHONES = st.one_of(
    _digits(9).map(lambda d: f"05{d}"),
    _digits(9).map(lambda d: f"05{d[:2]} {d[2:5]} {d[5:7]} {d[7:]}"),
)
_GLUED_MARKS = st.sampled_from(["/", ",", "-"])
_SPACED_MARKS = st.sampled_from([" / ", " /", ", ", " , ", " or ", " veya ", " ve ", "; ", " - "])


@given(
    st.lists(_INTERNATIONAL_PHONES, min_size=2, max_size=4),
    st.one_of(_GLUED_MARKS, _SPACED_MARKS),
)
def test_listed_international_numbers_are_each_redacted_whole(
    numbers: list[str], mark: str
) -> None:
    """Numbers starting with "+" joined by "/", "," or a word become one placeholder each."""
    assert mark.join(["<PHONE>"] * len(numbers)) == REDACTOR.redact(mark.join(numbers))[0]


@given(
    st.lists(st.one_of(_INTERNATIONAL_PHONES, _NATIONAL_PHONES), min_size=2, max_size=4),
    _SPACED_MARKS,
)
def test_listed_numbers_are_each_redacted_whole(numbers: list[str], mark: str) -> None:
    """Any numbers joined by a spaced list mark or word become one placeholder each."""
    assert mark.join(["<PHONE>"] * len(numbers)) == REDACTOR.redact(mark.join(numbers))[0]


_INVISIBLE = st.sampled_from(["", "\u202a", "\u200e", "\u2068", "\u00a0"])
_SPACES = st.sampled_from([" ", "\u00a0", "\u202f"])


@given(st.lists(st.tuples(_WORDS, _PII, _INVISIBLE, _SPACES), min_size=1, max_size=4), _WORDS)
def test_a_repr_quote_is_redacted_as_the_text_it_shows(
    pieces: list[tuple[str, tuple[str, str], str, str]], end: str
) -> None:
    """Redacting repr(text) gives repr of the redacted text: escapes hide nothing."""
    text = "".join(
        f"{word} {mark}{pii.replace(' ', space)}{mark} " for word, (pii, _), mark, space in pieces
    )
    text += end
    redacted, counts = REDACTOR.redact(text)

    assert (repr(redacted), counts) == REDACTOR.redact(repr(text))


@given(st.one_of(message_texts(), clean_texts()), st.lists(_PII, max_size=3))
def test_redaction_is_idempotent(text: str, pii: list[tuple[str, str]]) -> None:
    """Redacting a redacted text changes nothing and counts nothing."""
    once, _ = REDACTOR.redact(" ".join([text, *(value for value, _ in pii)]))

    assert (once, 0) == (REDACTOR.redact(once)[0], REDACTOR.redact(once)[1].total())


@given(message_texts())
def test_counts_match_the_placeholders(text: str) -> None:
    """The counts say exactly how many placeholders were written."""
    redacted, counts = REDACTOR.redact(text)

    for kind in RedactionKind:
        assert redacted.count(kind.placeholder) - text.count(kind.placeholder) == counts[kind]


@given(st.sampled_from(["", "'nin", "'e", "’ye", "nin", "e", "'yı", "ler"]), _WORDS)
def test_names_with_suffixes_are_redacted(suffix: str, word: str) -> None:
    """An excluded name followed by a Turkish suffix is always replaced."""
    text = f"{word} Ayşe{suffix} {word}"

    assert f"{word} <NAME>{suffix} {word}" == REDACTOR.redact(text)[0]


_PIECES = st.sampled_from(
    [
        "selam",
        "ara beni +90 532 123 45 67",
        "https://example.com/x",
        "ada@example.com",
        "saat 14.30",
        ":)",
        "tamam.",
        "Çağrı",
        "",
        "\n",
    ]
)
_TEXTS = st.lists(_PIECES, max_size=4).map(" ".join) | message_texts()


class TestRedactingMessageStreams:
    """`redact_messages` reads a stream in batches; the result is the per-message one."""

    @given(
        st.lists(st.tuples(_TEXTS, st.booleans()), max_size=1_200),
        st.sampled_from([(), ("Çağrı",)]),
    )
    def test_every_message_is_redacted_as_on_its_own(
        self, texts: list[tuple[str, bool]], names: tuple[str, ...]
    ) -> None:
        """Texts, attachments, report counts and untouched identities all match."""
        _check_stream(texts, names)

    def test_streams_longer_than_a_batch(self) -> None:
        """Several batches, hits at every position of a batch and across its edges."""
        pieces = ["selam", "ara +90 532 123 45 67", "https://example.com/x", "tamam", ":)"]
        texts = [(pieces[i % len(pieces)] * (1 + i % 3), i % 7 == 0) for i in range(1_700)]

        _check_stream(texts, ())
        _check_stream(texts, ("Çağrı",))


def _check_stream(texts: list[tuple[str, bool]], names: tuple[str, ...]) -> None:
    redactor = BuiltinRedactor(names=names)
    messages = [
        make_message(
            id=str(i),
            text=text or "x",
            attachments=[Attachment(name="+90 532 123 45 67.vcf")] if attached else [],
        )
        for i, (text, attached) in enumerate(texts)
    ]
    report = PrivacyReport()
    expected_report = PrivacyReport()
    expected = []
    for message in messages:
        text, counts = redactor.redact(message.text)
        names_counts = [redactor.redact(a.name)[1] for a in message.attachments]
        total = sum(names_counts, counts)
        if total:
            expected_report.add(total)
            expected_report.messages_redacted += 1
        expected.append((text, [redactor.redact(a.name)[0] for a in message.attachments]))

    redacted = list(redact_messages(messages, redactor, report))

    assert expected == [(m.text, [a.name for a in m.attachments]) for m in redacted]
    assert expected_report == report
    assert all(
        new is old
        for new, old in zip(redacted, messages, strict=True)
        if new.text == old.text and new.attachments == old.attachments
    )


_NUMBERISH = st.lists(
    st.sampled_from(
        [
            "+90 532 123 45 67",
            "0532 123 45 67",
            "(212) 555-0147",
            "4111 1111 1111 1111",
            "TR33 0006 1005 1978 6457 8413 26",
            "12.03.2024",
            "+٩٠ ٥٣٢ ١٢٣ ٤٥ ٦٧",
            "０５３２　１２３　４５　６７",
            "(+44) 7700 900123",
            "tel:+15550109999",
            "@905321234567",
            "TR33-0006-1005-1978-6457-8413-26",
            "4111.1111.1111.1111",
            "4111 - 1111 - 1111 - 1111",
            "sk-proj-abcdefghijklmnopqrstuvwx",
            "Bearer abcdefghijklmnop123",
            "şifre: ",
            "ŞİFRE=",
            "ſifre ",
            "password is ",
            "PIN ",
            "pın: ",
            "hunter2",
            "14:30",
            "7",
            "ab12",
            "x",
            " ",
        ]
    ),
    max_size=6,
).map("".join)


_NAMEISH = st.sampled_from(
    [
        "Mehmet",
        "MEHMETKAYA",
        "mehmet_kaya",
        "@mehmet.kaya",
        "Kaya",
        "KAYA",
        "'nın",
        "’ya",
        "@",
        " Bey",
        "Bay ",
        "Mr. ",
        "Çaaağrı",
        "ÇAĞRI",
        "kaya",
        "ı",
        "İ",
        " ",
        "92",
    ]
)


class TestRedactionGates:
    """The cheap tests that skip a detector never change what is redacted."""

    @given(st.one_of(_NUMBERISH, message_texts(), st.text(max_size=40)))
    def test_gated_redaction_equals_running_every_detector(self, text: str) -> None:
        """Same text and counts as running the secret, IBAN, card and phone detectors always."""
        expected_counts: Counter[RedactionKind] = Counter()
        expected = redaction._replace(
            text, secrets.secret_spans(text), RedactionKind.SECRET, expected_counts
        )
        for kind, finder, _ in redaction._NUMBERS:
            expected = redaction._replace(expected, finder(expected), kind, expected_counts)
        redactor = BuiltinRedactor(
            kinds={
                RedactionKind.SECRET,
                RedactionKind.IBAN,
                RedactionKind.CARD,
                RedactionKind.PHONE,
            }
        )

        assert (expected, expected_counts) == redactor.redact(text)

    @given(
        st.one_of(
            st.lists(_NAMEISH, max_size=6).map("".join), message_texts(), st.text(max_size=40)
        )
    )
    def test_gated_names_equal_running_the_name_patterns(self, text: str) -> None:
        """The names' pre-test never skips a text the name and surname patterns match."""
        redactor = BuiltinRedactor(
            kinds={RedactionKind.NAME}, names=("Mehmet Kaya", "Mehmet", "Çağrı"), surnames=("Kaya",)
        )
        expected_counts: Counter[RedactionKind] = Counter()
        expected = redaction._replace(
            text,
            redaction._name_spans(redactor._names, redactor._surnames, text),
            RedactionKind.NAME,
            expected_counts,
        )

        assert (expected, expected_counts) == redactor.redact(text)

    @given(st.one_of(_NUMBERISH, message_texts(), st.text(max_size=40)))
    def test_the_stream_shortcut_skips_only_unchanged_texts(self, text: str) -> None:
        """A text the quick pass of redact_messages skips is one redact() leaves alone."""
        redactor = BuiltinRedactor()
        gate = redactor._clean

        assert gate is not None
        assert (
            gate(text) is not None
            or "://" in text
            or (text, 0)
            == (
                redactor.redact(text)[0],
                redactor.redact(text)[1].total(),
            )
        )

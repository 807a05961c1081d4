"""Tests for redaction.py: BuiltinRedactor, PrivacyReport and redact_messages."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable

import pytest
from attrs import evolve
from hypothesis import given
from hypothesis import strategies as st

from persona_clone import (
    AliasMap,
    Attachment,
    BuiltinRedactor,
    ConfigError,
    Consent,
    Message,
    MessageKind,
    PrivacyReport,
    Redact,
    RedactionKind,
    Redactor,
    redact_messages,
)
from persona_clone.errors import excerpt
from persona_clone.privacy.redaction import _GATES, _IBAN_START
from persona_clone.privacy.secrets import _prefix_tree, may_hold_secret, secret_spans
from persona_clone.testing import make_message, make_participant
from persona_clone.testing.strategies import message_texts


PHONE = RedactionKind.PHONE
EMAIL = RedactionKind.EMAIL


@pytest.fixture(name="redactor")
def _redactor() -> BuiltinRedactor:
    return BuiltinRedactor(names=("Ayşe", "Ahmet Yılmaz", "İpek", "Al"))


def redacted(redactor: BuiltinRedactor, text: str) -> str:
    return redactor.redact(text)[0]


class TestRedactionKind:
    def test_placeholders(self) -> None:
        """Each kind has a typed placeholder named after it."""
        assert ["<PHONE>", "<EMAIL>", "<IBAN>", "<CARD>", "<URL>", "<NAME>", "<SECRET>"] == [
            kind.placeholder for kind in RedactionKind
        ]


class TestPhones:
    @pytest.mark.parametrize(
        "phone",
        [
            "+90 532 123 45 67",
            "+905321234567",
            "0090 532 123 45 67",
            "0532 123 45 67",
            "05321234567",
            "0(532) 123-45-67",
            "(0212) 123 45 67",
            "532 123 45 67",
            "+44 20 7946 0958",
            "+44 (0)20 7946 0958",
            "07700 900123",
            "(555) 123-4567",
            "555-123-4567",
            "+1 555 123 4567",
            "030 12345678",
            "0151 12345678",
            "030/1234567",
            "+49 30 12345678",
            "(+44) 7700 900123",
            "(+90) 532 123 45 67",
            "+٩٠ ٥٣٢ ١٢٣ ٤٥ ٦٧",
            "٠٥٣٢ ١٢٣ ٤٥ ٦٧",
            "۰۵۳۲ ۱۲۳ ۴۵ ۶۷",
            "＋９０ ５３２ １２３ ４５ ６７",
            "０５３２　１２３　４５　６７",
        ],
    )
    def test_formats(self, redactor: BuiltinRedactor, phone: str) -> None:
        """International, Turkish, UK, US and German numbers become <PHONE>."""
        assert "ara <PHONE>, tamam" == redacted(redactor, f"ara {phone}, tamam")

    @pytest.mark.parametrize(
        "text",
        [
            "12.03.2024 14:30",
            "01.03.2024 14:30",
            "2024-03-12",
            "12/03/2024",
            "[12.03.24, 14:30:15] Ada: selam",
            "12/03/2024, 14:30 - Ada: hi",
            "1.250.000 TL",
            "2 000 000 000",
            "1,250,000.00 $",
            "₺1.500 ve 12,50€",
            "2019 2020 2021 2022",
            "1990-2000",
            "saat 14.30'da, 09:05",
            "sipariş 123456",
            "v1.2.3",
            "10.0.19045.3693",
            "build 22631.3296",
            "Sipariş numarası: 4012345678",
            "Order 403-1234567-1234567",
            "IMG-20240312-WA0001.jpg",
            "ref 20240312-7781",
            "21:30-23:00",
            "ISBN 978-3-16-148410-0",
        ],
    )
    def test_not_phones(self, redactor: BuiltinRedactor, text: str) -> None:
        """Dates, times, prices, years and version numbers are left alone."""
        assert text == redacted(redactor, text)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("@905321234567 bak", "@<PHONE> bak"),
            ("@\u2068905321234567\u2069 naber", "@\u2068<PHONE>\u2069 naber"),
            ("cc @447700900123", "cc @<PHONE>"),
            ("@1234 @2024", "@1234 @2024"),
        ],
    )
    def test_whatsapp_mentions(self, redactor: BuiltinRedactor, text: str, expected: str) -> None:
        """WhatsApp's @-mention of an unsaved contact is their number: <PHONE>."""
        assert expected == redacted(redactor, text)

    @pytest.mark.parametrize(
        "number",
        [
            "\u202a+90 532 111 22 33\u202c",
            "+90\u00a0532\u00a0111\u00a022\u00a033",
            "\u202a0532\u202f111\u202f22\u202f33\u202c",
            "\u202a+90 532 111 22 33\u202c / \u202a+90 533 444 55 66\u202c",
        ],
    )
    @pytest.mark.parametrize(
        "quote",
        [excerpt, lambda text: json.dumps({"name": text}), lambda text: excerpt(json.dumps(text))],
    )
    def test_numbers_in_quoted_text(
        self, redactor: BuiltinRedactor, number: str, quote: Callable[[str], str]
    ) -> None:
        """A number quoted by repr or JSON (direction marks, spaces escaped) is hidden whole."""
        text = redacted(redactor, quote(f"ara {number}"))

        assert "<PHONE>" in text
        for piece in ("+90", "532", "533", "111", "22", "33"):
            assert piece not in text

    def test_quoted_text_keeps_its_escapes(self, redactor: BuiltinRedactor) -> None:
        """Outside the numbers, escapes and backslashes stay as written."""
        text = r"'\u202a+90 532 111 22 33\u202c \\u202a \x41 \xa0 C:\\dir'"

        assert r"'\u202a<PHONE>\u202c \\u202a \x41 \xa0 C:\\dir'" == redacted(redactor, text)

    def test_two_numbers_in_a_row(self, redactor: BuiltinRedactor) -> None:
        """Two numbers written one after the other are both redacted."""
        assert "<PHONE> <PHONE>" == redacted(redactor, "0532 123 45 67 0533 765 43 21")

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("+90 532 111 22 33 / +90 533 444 55 66", "<PHONE> / <PHONE>"),
            ("+90 532 111 22 33/+90 533 444 55 66", "<PHONE>/<PHONE>"),
            ("+90 532 111 22 33 /+90 533 444 55 66", "<PHONE> /<PHONE>"),
            ("+905321112233/+905334445566", "<PHONE>/<PHONE>"),
            ("+90 532 111 22 33, +90 533 444 55 66", "<PHONE>, <PHONE>"),
            ("+90 532 111 22 33,+90 533 444 55 66", "<PHONE>,<PHONE>"),
            ("+90 532 111 22 33 or +90 533 444 55 66", "<PHONE> or <PHONE>"),
            ("+90 532 111 22 33 veya +90 533 444 55 66", "<PHONE> veya <PHONE>"),
            ("+90 532 111 22 33-+90 533 444 55 66", "<PHONE>-<PHONE>"),
            ("tel: 0532 111 22 33/(+90) 533 444 55 66", "tel: <PHONE>/<PHONE>"),
            ("0532 111 22 33 / 0533 444 55 66", "<PHONE> / <PHONE>"),
            ("0532 111 22 33, 0533 444 55 66", "<PHONE>, <PHONE>"),
        ],
    )
    def test_lists_of_numbers(self, redactor: BuiltinRedactor, text: str, expected: str) -> None:
        """Numbers listed with "/", "," or a word between them are each redacted whole."""
        assert expected == redacted(redactor, text)


class TestOtherKinds:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("ali.veli@example.com.tr'ye yaz", "<EMAIL>'ye yaz"),
            ("x@y.co.", "<EMAIL>."),
            ("çağrı@örnek.com", "<EMAIL>"),
            ("iban TR33 0006 1005 1978 6457 8413 26 ve", "iban <IBAN> ve"),
            ("DE89370400440532013000 sonra", "<IBAN> sonra"),
            ("kart 4111 1111 1111 1111!", "kart <CARD>!"),
            ("5500-0055-5555-5559", "<CARD>"),
            ("4111.1111.1111.1111 ok", "<CARD> ok"),
            ("4111 - 1111 - 1111 - 1111", "<CARD>"),
            ("3782 822463 10005", "<CARD>"),
            ("TR33-0006-1005-1978-6457-8413-26.", "<IBAN>."),
            ("TR33.0006.1005.1978.6457.8413.26", "<IBAN>"),
            ("iban: tr33 0006 1005 1978 6457 8413 26", "iban: <IBAN>"),
            ("see https://example.com/a?b=c), ok", "see <URL>), ok"),
            ("(https://example.com/a_(b))", "(<URL>)"),
            ("www.site.org. and instagram.com/ayse", "<URL>. and <URL>"),
            ("google.com'a bak", "<URL>'a bak"),
        ],
    )
    def test_kinds(self, redactor: BuiltinRedactor, text: str, expected: str) -> None:
        """E-mails, IBANs, cards and URLs become placeholders; punctuation stays."""
        assert expected == redacted(redactor, text)

    @pytest.mark.parametrize(
        "text",
        [
            "TR33 0006 1005 1978 6457 8413 27",  # wrong checksum
            "4111 1111 1111 1112",  # fails Luhn
            "7311234567890",  # a tracking number: no card network starts with 7
            "TR33-0006-1005-1978-6457-8413-27",
            "0000 0000 0000 0000",
            "file.txt ve notlar.docx",
            "a@b",
        ],
    )
    def test_checksums_and_lookalikes(self, redactor: BuiltinRedactor, text: str) -> None:
        """Numbers failing their checksum and file names are not redacted."""
        assert text == redacted(redactor, text)

    def test_email_wins_over_url(self, redactor: BuiltinRedactor) -> None:
        """An e-mail address is one <EMAIL>, not a URL inside it."""
        assert ("<EMAIL>", Counter({EMAIL: 1})) == redactor.redact("ada@site.com")


class TestSecrets:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("key: sk-abcdefghijklmnopqrstuvwxyz0123", "key: <SECRET>"),
            ("sk-proj-AbCdEf0123456789_AbCdEf0123-xyz kullan", "<SECRET> kullan"),
            ("sk-ant-api03-abcdefghijklmnopqrstuv", "<SECRET>"),
            ("token ghp_abcdefghijklmnopqrstuvwxyz0123456789", "token <SECRET>"),
            ("AKIAIOSFODNN7EXAMPLE", "<SECRET>"),
            ("Authorization: Bearer abc.def-123_456~789/xyz=", "Authorization: Bearer <SECRET>"),
            ("password: hunter2", "password: <SECRET>"),
            ("Password = 'c0rrect horse'", "Password = '<SECRET> horse'"),
            ("the password is hunter2!", "the password is <SECRET>"),
            ("şifre: Gizli123!", "şifre: <SECRET>"),
            ("ŞİFRE: kedi", "ŞİFRE: <SECRET>"),
            ("wifi şifresi ev2024ab", "wifi şifresi <SECRET>"),
            ("şifrem de 1234abc", "şifrem de <SECRET>"),
            ("parola=ab12cd", "parola=<SECRET>"),
            ("kartın PIN: 4821", "kartın PIN: <SECRET>"),
        ],
    )
    def test_secrets(self, redactor: BuiltinRedactor, text: str, expected: str) -> None:
        """API keys, tokens and passwords become <SECRET>; the keyword stays."""
        assert expected == redacted(redactor, text)

    @pytest.mark.parametrize(
        "text",
        [
            "password is wrong",
            "şifremi unuttum",
            "şifre: yok",
            "şifre lazım",
            "ask-me-anything",
            "boarding pass: gate 12",
            "pin'le",
            "the bearer of bad news",
        ],
    )
    def test_not_secrets(self, redactor: BuiltinRedactor, text: str) -> None:
        """Talking about passwords, and words that contain a keyword, are left alone."""
        assert text == redacted(redactor, text)

    def test_secrets_are_counted(self, redactor: BuiltinRedactor) -> None:
        """Secrets are counted as their own kind."""
        assert Counter({RedactionKind.SECRET: 2}) == redactor.redact("şifre: x1y2z3, pwd=abc")[1]


class TestNames:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Ayşe'nin kitabı", "<NAME>'nin kitabı"),
            ("Ahmet Yılmaz'a sor", "<NAME>'a sor"),
            ("AYŞE’ye söyle", "<NAME>’ye söyle"),
            ("ayşe geldi mi", "<NAME> geldi mi"),
            ("Ayşenin evi", "<NAME>nin evi"),
            ("ipek'le ve İPEK", "<NAME>'le ve <NAME>"),
            ("Al'e sor", "<NAME>'e sor"),
            ("Ayşe😂", "<NAME>😂"),
        ],
    )
    def test_names_with_suffixes(self, redactor: BuiltinRedactor, text: str, expected: str) -> None:
        """Names are found in any case; Turkish suffixes stay after the placeholder."""
        assert expected == redacted(redactor, text)

    @pytest.mark.parametrize("text", ["Ayşegül geldi", "Alp ve Ali", "Ahmetcan", "Yalın"])
    def test_word_boundaries(self, redactor: BuiltinRedactor, text: str) -> None:
        """Other words that start with a name are left alone."""
        assert text == redacted(redactor, text)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Ayşeee neredesin", "<NAME>e neredesin"),
            ("Aaayşşe neredesin", "<NAME> neredesin"),
            ("AAAYŞEEE!!", "<NAME>E!!"),
            ("Ayyşe'nin", "<NAME>'nin"),
            ("Ahmeeet Yılmazzz geldi", "<NAME> geldi"),
            ("ipeeek", "<NAME>"),
        ],
    )
    def test_drawn_out_names(self, redactor: BuiltinRedactor, text: str, expected: str) -> None:
        """
        A name typed with letters repeated ("Ayşeee") is still a name.

        A drawn-out last letter that is also a suffix ("e") may stay after the
        placeholder: the name is gone either way.
        """
        assert expected == redacted(redactor, text)

    def test_a_name_with_a_double_letter_is_found_drawn_out(self) -> None:
        """The cheap pre-test squeezes repeats on both sides ("Anna", "Annnna")."""
        redactor = BuiltinRedactor(names=("Anna",))

        assert "<NAME> ve <NAME>" == redacted(redactor, "Anna ve Annnna")

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("AhmetYılmaz geldi", "<NAME> geldi"),
            ("ahmet_yilmaz", "<NAME>"),
            ("@ahmet.yılmaz'a yaz", "@<NAME>'a yaz"),
            ("@ahmetyilmaz1990 yazdı", "@<NAME> yazdı"),
            ("AHMET-YILMAZ", "<NAME>"),
        ],
    )
    def test_names_glued_and_as_handles(
        self, redactor: BuiltinRedactor, text: str, expected: str
    ) -> None:
        """A name of several words glued or as a handle is one name, never half of one."""
        assert expected == redacted(redactor, text)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Kaya'nın evi", "<NAME>'nın evi"),
            ("KAYA’ya sor", "<NAME>’ya sor"),
            ("@kaya bak", "@<NAME> bak"),
            ("Bay Kaya geldi", "Bay <NAME> geldi"),
            ("Mr. Kaya said", "Mr. <NAME> said"),
            ("Kaya Bey geldi", "<NAME> Bey geldi"),
            ("kaya hanımla konuştum", "<NAME> hanımla konuştum"),
            ("kaya gibi sağlam", "kaya gibi sağlam"),
            ("Kaya tırmanışı", "Kaya tırmanışı"),
            ("kayak yaptık", "kayak yaptık"),
        ],
    )
    def test_surnames_where_they_are_names(self, text: str, expected: str) -> None:
        """A surname alone is redacted only where it is used as a name."""
        redactor = BuiltinRedactor(surnames=("Kaya",))

        assert expected == redacted(redactor, text)

    def test_name_inside_placeholder_is_safe(self) -> None:
        """A person called NAME does not re-redact placeholders."""
        redactor = BuiltinRedactor(names=("NAME", "PHONE"))

        assert "<NAME> <PHONE>" == redacted(redactor, "<NAME> <PHONE>")


class TestBuiltinRedactor:
    def test_is_a_redactor(self) -> None:
        """The built-in satisfies the Redactor protocol."""
        assert isinstance(BuiltinRedactor(), Redactor)

    def test_kinds_can_be_switched_off(self) -> None:
        """Kinds left out of *kinds* are kept; names are accepted for kinds."""
        redactor = BuiltinRedactor(kinds=frozenset({"phone", EMAIL}))
        text = "https://x.com 0532 123 45 67 a@b.com"

        assert ("https://x.com <PHONE> <EMAIL>", Counter({PHONE: 1, EMAIL: 1})) == (
            redactor.redact(text)
        )

    def test_unknown_kind(self) -> None:
        """An unknown kind name is a ConfigError listing the known ones."""
        with pytest.raises(ConfigError, match="expected a redaction kind"):
            BuiltinRedactor(kinds=frozenset({"postcode"}))

    def test_names_need_the_name_kind(self) -> None:
        """Without the name kind, names are not redacted."""
        redactor = BuiltinRedactor(kinds=frozenset({PHONE}), names=("Ayşe",))

        assert "Ayşe" == redacted(redactor, "Ayşe")

    def test_text_around_is_untouched(self, redactor: BuiltinRedactor) -> None:
        """Turkish letters, emoji and newlines around a span survive byte for byte."""
        text = "İstanbul'da ışık ĞÜŞİÖÇ\n👍🏽🇹🇷 0532 123 45 67\r\n\u200esonra"

        assert "İstanbul'da ışık ĞÜŞİÖÇ\n👍🏽🇹🇷 <PHONE>\r\n\u200esonra" == redacted(redactor, text)


class TestPrivacyReport:
    def test_to_dict_lists_every_kind(self) -> None:
        """The JSON form lists every kind, zero or not, and the opt-out counts."""
        report = PrivacyReport()
        report.add(Counter({PHONE: 2}))
        report.sessions_dropped = 1

        assert {
            "redactions": {
                "phone": 2,
                "email": 0,
                "iban": 0,
                "card": 0,
                "url": 0,
                "name": 0,
                "secret": 0,
            },
            "messages_redacted": 0,
            "messages_replaced": 0,
            "sessions_dropped": 1,
            "messages_dropped": 0,
        } == report.to_dict()


class TestRedactMessages:
    def test_redacts_and_counts(self) -> None:
        """Texts are redacted, unchanged messages pass through as the same objects."""
        clean = make_message(text="merhaba")
        dirty = make_message(text="numaram 0532 123 45 67")
        report = PrivacyReport()

        out = list(redact_messages([clean, dirty], BuiltinRedactor(), report))

        assert clean is out[0]
        assert "numaram <PHONE>" == out[1].text
        assert dirty.id == out[1].id
        assert Counter({PHONE: 1}) == report.redactions
        assert 1 == report.messages_redacted

    def test_attachment_names_and_urls(self) -> None:
        """Attachment names and URLs go through the same redactor."""
        message = make_message(
            kind=MessageKind.MEDIA,
            text="",
            attachments=(
                Attachment(name="+90 532 123 45 67.vcf", url="https://cdn.example.com/1"),
            ),
        )
        report = PrivacyReport()

        (out,) = redact_messages([message], BuiltinRedactor(), report)

        assert (Attachment(name="<PHONE>.vcf", url="<URL>"),) == out.attachments
        assert Counter({PHONE: 1, RedactionKind.URL: 1}) == report.redactions

    def test_text_and_attachment_changed_count_one_message(self) -> None:
        """A message whose text and attachment are both redacted is one message redacted."""
        message = make_message(
            kind=MessageKind.MEDIA,
            text="kartvizit: ada@example.com",
            attachments=(Attachment(name="+90 532 123 45 67.vcf"),),
        )
        report = PrivacyReport()

        list(redact_messages([message], BuiltinRedactor(), report))

        assert (1, 2) == (report.messages_redacted, report.redactions.total())

    def test_a_message_redacted_by_two_steps_counts_once(self) -> None:
        """Names redacted by the opt-out step and a phone by the next: one message."""
        ada, cem = make_participant("Ada"), make_participant("Cem")
        messages = [
            make_message(id="1", author=cem, text="Bob'un numarası +90 532 123 45 67"),
            make_message(id="2", author=ada, text="Bob nerede?"),
            make_message(id="3", author=cem, text="ada@example.com"),
            make_message(id="4", author=ada, text="tamam"),
        ]
        consent = Consent(excluded=frozenset({"Bob"}))
        report = PrivacyReport()

        opted_out = consent.apply_to_messages(messages, AliasMap(), report)
        out = list(Redact.for_consent(consent, report=report)(opted_out))

        assert ["<NAME>'un numarası <PHONE>", "<NAME> nerede?", "<EMAIL>", "tamam"] == [
            message.text for message in out
        ]
        assert (3, 4) == (report.messages_redacted, report.redactions.total())

    def test_is_lazy(self) -> None:
        """Nothing is read before the first message is asked for."""

        def explode(_: object) -> Message:
            raise AssertionError

        redact_messages(map(explode, [None]), BuiltinRedactor(), PrivacyReport())

    def test_custom_redactor(self) -> None:
        """Any object with redact() plugs in."""

        class Shout:
            def redact(self, text: str) -> tuple[str, Counter[RedactionKind]]:
                return text.replace("gizli", "<NAME>"), Counter(
                    {RedactionKind.NAME: text.count("gizli")}
                )

        report = PrivacyReport()
        (out,) = redact_messages([make_message(text="gizli şey")], Shout(), report)

        assert "<NAME> şey" == out.text
        assert 1 == report.redactions[RedactionKind.NAME]


class TestQuickPass:
    @given(st.text(alphabet=st.sampled_from("ab ç@.:/0١+-()<>EMAIL-_\n😂")))
    def test_texts_the_gate_passes_are_not_changed(self, text: str) -> None:
        """A text without "@", ".", ":" or a digit is never changed by any kind but names."""
        redactor = BuiltinRedactor()

        changed, counts = redactor.redact(text)

        assert (text, Counter()) == (changed, counts) or _GATES.search(text) is not None

    @given(message_texts())
    def test_gated_stream_equals_redacting_each_text(self, text: str) -> None:
        """redact_messages gives the same texts and counts as redact on each text."""
        redactor = BuiltinRedactor()
        report = PrivacyReport()
        message = make_message(text=text)

        (out,) = redact_messages([message], redactor, report)

        expected, counts = redactor.redact(text)
        assert (expected, counts) == (out.text, report.redactions)


class TestSecretTrigger:
    @given(
        st.lists(st.text(alphabet="abş_-", min_size=1, max_size=4), min_size=1, max_size=6),
        st.text(alphabet="abş_- ", max_size=20),
    )
    def test_prefix_tree_finds_what_the_words_find(self, words: list[str], text: str) -> None:
        """The prefix-tree regex matches a text exactly when one of its words is in it."""
        pattern = re.compile(_prefix_tree(words))

        assert (pattern.search(text) is not None) == any(word in text for word in words)

    @given(message_texts())
    def test_may_hold_secret_never_misses_a_secret(self, text: str) -> None:
        """A text may_hold_secret passes over holds no secret the detectors find."""
        assert may_hold_secret(text) or not list(secret_spans(text))


class TestIbanGate:
    @given(st.text(alphabet=st.sampled_from("aZ9 \u00a0-.ş1"), max_size=30))
    def test_finds_what_a_country_code_and_check_digits_find(self, text: str) -> None:
        """The gate matches exactly where two ASCII letters, maybe a space, two digits are."""
        plain = re.compile(r"[A-Za-z]{2}[ \u00a0]?\d{2}")

        assert (_IBAN_START.search(text) is None) == (plain.search(text) is None)


class TestRedactedCount:
    def test_memory_is_bounded_and_recent_messages_count_once(self) -> None:
        """The report forgets old counted messages, never a recent one."""
        report = PrivacyReport()
        first = make_message(text="+90 532 123 45 67")
        messages = [evolve(first, id=str(number)) for number in range(10_000)]

        for message in messages:
            report.count_redacted(message)
        report.count_redacted(messages[-1])

        assert 10_000 == report.messages_redacted
        assert 8_192 == len(report._redacted) == len(report._redacted_order)

"""
Planted personal data and look-alikes, for the redaction recall and precision tests.

`PLANTED` holds one chat line per planted value, in Turkish and English, several
spellings of every kind; `LOOKALIKES` holds lines with dates, times, prices,
version numbers, order numbers and everyday words that must be left alone.
The people file excludes Mehmet Kaya (nickname "Memo").
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Final

from persona_clone import RedactionKind


PHONE, EMAIL, IBAN, CARD, URL, NAME, SECRET = (
    RedactionKind.PHONE,
    RedactionKind.EMAIL,
    RedactionKind.IBAN,
    RedactionKind.CARD,
    RedactionKind.URL,
    RedactionKind.NAME,
    RedactionKind.SECRET,
)

EXCLUDED: Final = "Mehmet Kaya"
PEOPLE_FILE: Final = """
[[person]]
name = "Mehmet Kaya"
aliases = ["Memo"]
opted_out = true
"""

PLANTED: Final[tuple[tuple[RedactionKind, str, str], ...]] = (
    # (kind, the value, the line it is planted in: {} marks the value)
    (PHONE, "+90 532 123 45 67", "numaram {} ara beni"),
    (PHONE, "0532 123 45 67", "şu numaraya yaz: {}"),
    (PHONE, "05321234568", "{} bu da yedek hat"),
    (PHONE, "+905321234569", "WhatsApp'tan {} ekle"),
    (PHONE, "0 (532) 123 45 70", "ofis {} arar mısın"),
    (PHONE, "(0212) 555 44 10", "restoran {}, rezervasyon için"),
    (PHONE, "0090 532 123 45 71", "yurt dışından {} diye aranıyor"),
    (PHONE, "905321234572", "@{} sen de gel"),
    (PHONE, "447700900124", "cc @{}"),
    (PHONE, "(+44) 7700 900125", "call me on {} tonight"),
    (PHONE, "+44 20 7946 0958", "the office line is {}"),
    (PHONE, "07700 900126", "my UK mobile {} works too"),
    (PHONE, "(555) 010-9999", "US number: {}"),
    (PHONE, "+15550109998", "tel:{} is the hotline"),
    (PHONE, "+٩٠ ٥٣٢ ١٢٣ ٤٥ ٧٣", "رقمي {} شكرا"),
    (PHONE, "٠٥٣٢ ١٢٣ ٤٥ ٧٤", "الرقم {}"),
    (PHONE, "０５３２ １２３ ４５ ７５", "番号は {} です"),
    (PHONE, "+49 30 12345678", "Berlin: {}"),
    (PHONE, "0532.123.45.76", "noktalı yazdım {}"),
    (PHONE, "+90-532-123-4577", "{} tireli"),
    (PHONE, "0532 1234578", "yeni hat {}"),
    (PHONE, "+90 (532) 123 45 79", "{} dahili yok"),
    (PHONE, "5321234580", "sıfırsız {}"),
    (PHONE, "numaram05321234581", "{} bitişik yazdım"),
    (EMAIL, "mehmet.k@example.com", "maile at: {}"),
    (EMAIL, "ada_92@firma.com.tr", "{}'ye gönderdim"),
    (EMAIL, "INFO@EXAMPLE.ORG", "write to {} please"),
    (EMAIL, "çağrı@örnek.com", "adresim {}"),
    (EMAIL, "ayse[at]example.com", "spam olmasın diye {}"),
    (IBAN, "TR33 0006 1005 1978 6457 8413 26", "iban {} ad soyad bende"),
    (IBAN, "TR330006100519786457841326", "{} hesabına at"),
    (IBAN, "TR33-0006-1005-1978-6457-8413-26", "IBAN: {}."),
    (IBAN, "TR33.0006.1005.1978.6457.8413.26", "yeni iban {}"),
    (IBAN, "GB82 WEST 1234 5698 7654 32", "my IBAN is {}"),
    (IBAN, "DE89370400440532013000", "German account {}"),
    (IBAN, "TR 33 0006 1005 1978 6457 8413 26", "boşluklu {}"),
    (IBAN, "tr330006100519786457841326", "küçük harfle {}"),
    (CARD, "4111 1111 1111 1111", "kart no {} son kullanma 12/27"),
    (CARD, "4111-1111-1111-1111", "card {} cvv in dm"),
    (CARD, "4111.1111.1111.1111", "kartım {}"),
    (CARD, "4111 - 1111 - 1111 - 1111", "bu kart: {}"),
    (CARD, "5555555555554444", "mastercard {}"),
    (CARD, "3782 822463 10005", "amex {}"),
    (CARD, "4111111111111111", "{} kopyaladım"),
    (URL, "https://example.com/davet?kod=ab12", "davet linki {}"),
    (URL, "www.ornek-site.com.tr", "site {} adresinde"),
    (URL, "instagram.com/mehmetkaya", "profilim {}"),
    (SECRET, "sk-abcdefghijklmnopqrstuvwxyz0123", "api key {} kullan"),
    (SECRET, "sk-proj-AbCdEf0123456789_AbCdEf0123-xyz", "new key: {}"),
    (SECRET, "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "token {}"),
    (SECRET, "abc.def-123_456~789/xyz=", "Authorization: Bearer {}"),
    (SECRET, "hunter2!", "password: {}"),
    (SECRET, "Gizli123", "şifre: {}"),
    (SECRET, "ev2024ab", "wifi şifresi {}"),
    (SECRET, "4821", "kartın PIN: {}"),
    (SECRET, "c0rrect-horse", "the password is {}"),
    (SECRET, "AKIAIOSFODNN7EXAMPLE", "aws_access_key_id={}"),
    (SECRET, "kedi1234", "şifrem de {}"),
    (SECRET, "abc123", "pass: {}"),
    (NAME, "Mehmet Kaya", "{} gelmeyecekmiş"),
    (NAME, "Mehmet", "{}'e söyledin mi"),
    (NAME, "MEHMET", "{} NEREDE"),
    (NAME, "MehmetKaya", "{} yazdı gruba"),
    (NAME, "mehmet_kaya", "ig: {}"),
    (NAME, "mehmet.kaya", "@{} bak buna"),
    (NAME, "mehmetkaya92", "@{} etiketledim"),
    (NAME, "Memo", "{}'ya sor"),
    (NAME, "Mehmeeet", "{} naber"),
    (NAME, "Kaya", "{}'nın evi uzak"),
    (NAME, "Kaya", "Bay {} aradı"),
    (NAME, "Mehmetciğim", "{} nasılsın"),
    (NAME, "Kaya", "{} Bey toplantıda"),
    (NAME, "m.kaya", "@{} hesabı"),
    (NAME, "memo", "{} da gelsin"),
)

LOOKALIKES: Final = (
    "saat 14:30'da buluşalım, 09:05 gibi çıkarım",
    "12.03.2024 Salı, 2024-03-12 ya da 12/03/2024",
    "toplam 1.250.000 TL, kişi başı ₺1.500",
    "it was $1,299.99 on sale, now 12,50€",
    "Windows 10.0.19045.3693 and build 22631.3296",
    "sürüm v2.3.14 çıktı, v1.2.3-rc.1 de var",
    "Sipariş numarası: 4012345678",
    "order 403-1234567-1234567 shipped",
    "kargo takip no 7311234567890",
    "ref 20240312-7781, fatura no 20240045",
    "IMG-20240312-WA0001.jpg",
    "1990-2000 arası, 2019 2020 2021",
    "skor 3-0, %50 indirim, 3,5 milyon",
    "21:30-23:00 arası müsaitim",
    "ISBN 978-3-16-148410-0",
    "oda 1204, kat 12",
    "password is wrong, şifremi unuttum",
    "şifre: yok, sonra bakarız",
    "kaya gibi sağlam, kayak yaptık",
    "the bearer of bad news",
    "ask-me-anything session",
    "deniz kenarında çay",
    "192.168.1.1 modem arayüzü",
)


def planted_lines() -> list[tuple[RedactionKind, str, str]]:
    """(kind, value, the line with the value in it), one per planted value."""
    return [(kind, value, line.format(value)) for kind, value, line in PLANTED]


def write_planted_chat(path: Path) -> Path:
    """
    Write a WhatsApp export of the planted lines and the look-alikes.

    Ada (the persona) and Bob talk; each planted line and each look-alike gets
    its own short talk, and Mehmet Kaya (who opted out) writes now and then.
    """
    start = dt.datetime(2024, 3, 13, 9, 0, tzinfo=dt.timezone.utc)
    texts = [line for _, _, line in planted_lines()] + list(LOOKALIKES)
    lines = []
    for number, text in enumerate(texts):
        at = start + dt.timedelta(hours=number)
        writer = "Bob" if number % 2 else "Ada"
        other = "Ada" if writer == "Bob" else "Bob"
        lines.append(f"{at:%d/%m/%Y, %H:%M} - {writer}: {text}")
        reply = at + dt.timedelta(minutes=1)
        lines.append(f"{reply:%d/%m/%Y, %H:%M} - {other}: tamam")
        if number % 7 == 0:
            lines.append(f"{reply:%d/%m/%Y, %H:%M} - {EXCLUDED}: ben de varım, 0533 765 43 21")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path

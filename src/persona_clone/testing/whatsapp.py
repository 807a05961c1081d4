"""
Write chats as WhatsApp ``.txt`` exports, for round-trip tests of parsers.

`render_whatsapp` writes messages the way a phone in a given locale would
(`WHATSAPP_STYLES` holds Android and iOS styles of many locales) and returns the
export's text together with the messages a parser must read back from it
(times cut to the header's resolution, placeholders for media and deletions).
`whatsapp_exports` is the matching Hypothesis strategy (needs the ``testing``
extra).

Example:
    >>> import pendulum
    >>> from persona_clone.testing import make_message
    >>> when = pendulum.datetime(2024, 1, 15, 21, 5)
    >>> chat = [make_message(text="selam", sent_at=when)]
    >>> print(render_whatsapp(chat, WHATSAPP_STYLES["tr-android"]).text, end="")
    15.01.2024 21:05 - Ada: selam

"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

import attrs
import pendulum
from attrs import frozen

from persona_clone.message import Attachment, Message, MessageKind
from persona_clone.parsers.whatsapp.grammar import DateOrder
from persona_clone.parsers.whatsapp.locale import DELETED_BODIES, MEDIA_PLACEHOLDERS, body_key


if TYPE_CHECKING:  # pragma: no cover
    from hypothesis.strategies import SearchStrategy


__all__ = [
    "WHATSAPP_STYLES",
    "WhatsAppExport",
    "WhatsAppStyle",
    "render_whatsapp",
    "whatsapp_exports",
]


_MINUTE: Final = 60
_NAME_LETTERS: Final = "ABCÇĞİIÖŞÜabcçğ\u0131iöşü "


@frozen(kw_only=True)
class WhatsAppStyle:
    r"""
    How one phone writes its export: platform, date and clock format, words.

    Args:
        ios: Bracketed iOS headers with seconds instead of Android's dash.
        order: Order of day, month and year.
        date_separator: ``/``, ``.`` or ``-``.
        spaced_date: A space after each date separator, and a final dot (Korean).
        year_digits: 2 or 4.
        pad_date: Zero-pad day and month.
        date_time_separator: Between date and time (``", "``, ``" "``, ``" à "``).
        twelve_hour: 12 h clock with *am*/*pm* markers.
        am: The before-noon marker.
        pm: The after-noon marker.
        marker_before: The marker precedes the time (Korean, Chinese, Turkish).
        marker_gap: Between time and marker (``" "``, ``"\\u202f"``, ``""``).
        time_separator: ``:`` or ``.``.
        pad_hour: Zero-pad the hour.
        media: The "media omitted" placeholder.
        deleted: The "message deleted" notice.
        edited: The "edited" marker.
        encrypted: The encryption notice, written as a system event.
        chat_name: The name iOS writes before system events.
    """

    ios: bool = False
    order: DateOrder = DateOrder.DMY
    date_separator: str = "/"
    spaced_date: bool = False
    year_digits: int = 2
    pad_date: bool = True
    date_time_separator: str = ", "
    twelve_hour: bool = False
    am: str = "AM"
    pm: str = "PM"
    marker_before: bool = False
    marker_gap: str = " "
    time_separator: str = ":"
    pad_hour: bool = True
    media: str = "<Media omitted>"
    deleted: str = "This message was deleted"
    edited: str = "<This message was edited>"
    encrypted: str = (
        "Messages and calls are end-to-end encrypted. No one outside of this chat, "
        "not even WhatsApp, can read or listen to them."
    )
    chat_name: str = "Kampüs Ekibi 🎓"

    @property
    def resolution(self) -> int:
        """Seconds a header can tell apart (60 without seconds)."""
        return 1 if self.ios else _MINUTE

    def header(self, when: dt.datetime) -> str:
        """Return the header for wall time *when* (without the author)."""
        year = f"{when.year % 100:02d}" if self.year_digits == 2 else f"{when.year:04d}"  # noqa: PLR2004
        day, month = (
            (f"{when.day:02d}", f"{when.month:02d}")
            if self.pad_date
            else (
                str(when.day),
                str(when.month),
            )
        )
        parts = {
            DateOrder.DMY: (day, month, year),
            DateOrder.MDY: (month, day, year),
            DateOrder.YMD: (year, month, day),
        }[self.order]
        sep = self.date_separator + (" " if self.spaced_date else "")
        date = sep.join(parts) + ("." if self.spaced_date else "")
        hour = when.hour
        if self.twelve_hour:
            hour = hour % 12 or 12
        ts = self.time_separator
        clock = (f"{hour:02d}" if self.pad_hour else str(hour)) + f"{ts}{when.minute:02d}"
        if self.ios:
            clock += f"{ts}{when.second:02d}"
        if self.twelve_hour:
            marker = self.am if when.hour < 12 else self.pm  # noqa: PLR2004
            clock = (
                f"{marker}{self.marker_gap}{clock}"
                if self.marker_before
                else f"{clock}{self.marker_gap}{marker}"
            )
        stamp = f"{date}{self.date_time_separator}{clock}"
        return f"[{stamp}] " if self.ios else f"{stamp} - "


WHATSAPP_STYLES: Final[dict[str, WhatsAppStyle]] = {
    "en-US-android": WhatsAppStyle(
        order=DateOrder.MDY, pad_date=False, twelve_hour=True, pad_hour=False
    ),
    "en-US-android-2023": WhatsAppStyle(
        order=DateOrder.MDY,
        pad_date=False,
        twelve_hour=True,
        pad_hour=False,
        marker_gap="\u202f",
    ),
    "en-GB-android": WhatsAppStyle(year_digits=4),
    "en-AU-android": WhatsAppStyle(twelve_hour=True, am="am", pm="pm", pad_hour=False),
    "en-IN-android": WhatsAppStyle(twelve_hour=True, am="a.m.", pm="p.m.", pad_hour=False),
    "de-android": WhatsAppStyle(
        date_separator=".",
        media="<Medien ausgeschlossen>",
        deleted="Diese Nachricht wurde gelöscht.",
        edited="<Diese Nachricht wurde bearbeitet.>",
        encrypted="Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt.",
    ),
    "tr-android": WhatsAppStyle(
        date_separator=".",
        year_digits=4,
        date_time_separator=" ",
        media="<Medya dahil edilmedi>",
        deleted="Bu mesaj silindi",
        edited="<Bu mesaj düzenlendi>",
        encrypted="Mesajlar ve aramalar uçtan uca şifrelidir.",
    ),
    "tr-android-12h": WhatsAppStyle(
        date_separator=".",
        year_digits=4,
        date_time_separator=" ",
        twelve_hour=True,
        am="ÖÖ",
        pm="ÖS",
        marker_before=True,
        media="<Medya dahil edilmedi>",
        deleted="Bu mesaj silindi",
    ),
    "es-android": WhatsAppStyle(
        pad_date=False,
        twelve_hour=True,
        am="a.\u00a0m.",
        pm="p.\u00a0m.",
        pad_hour=False,
        media="<Multimedia omitido>",
        deleted="Se eliminó este mensaje.",
        edited="<Se editó este mensaje.>",
    ),
    "pt-BR-android": WhatsAppStyle(
        year_digits=4,
        date_time_separator=" ",
        media="<Mídia oculta>",
        deleted="Mensagem apagada",
    ),
    "fr-android": WhatsAppStyle(
        year_digits=4,
        date_time_separator=" à ",
        media="<Médias omis>",
        deleted="Ce message a été supprimé",
        edited="<Ce message a été modifié>",
    ),
    "nl-android": WhatsAppStyle(
        date_separator="-",
        year_digits=4,
        date_time_separator=" ",
        media="<Media weggelaten>",
        deleted="Dit bericht is verwijderd",
    ),
    "fi-android": WhatsAppStyle(
        date_separator=".", pad_date=False, year_digits=4, time_separator="."
    ),
    "ko-android": WhatsAppStyle(
        order=DateOrder.YMD,
        date_separator=".",
        spaced_date=True,
        year_digits=4,
        pad_date=False,
        date_time_separator=" ",
        twelve_hour=True,
        am="오전",
        pm="오후",
        marker_before=True,
        pad_hour=False,
    ),
    "zh-android": WhatsAppStyle(
        order=DateOrder.YMD,
        year_digits=4,
        pad_date=False,
        date_time_separator=" ",
        twelve_hour=True,
        am="上午",
        pm="下午",
        marker_before=True,
        marker_gap="",
        pad_hour=False,
    ),
    "sv-android": WhatsAppStyle(
        order=DateOrder.YMD, date_separator="-", year_digits=4, date_time_separator=" "
    ),
    "en-US-ios": WhatsAppStyle(
        ios=True,
        order=DateOrder.MDY,
        pad_date=False,
        twelve_hour=True,
        pad_hour=False,
        marker_gap="\u202f",
        media="image omitted",
    ),
    "en-GB-ios": WhatsAppStyle(ios=True, year_digits=4, media="video omitted"),
    "de-ios": WhatsAppStyle(
        ios=True,
        date_separator=".",
        media="Bild weggelassen",
        deleted="Diese Nachricht wurde gelöscht.",
        edited="<Diese Nachricht wurde bearbeitet.>",
    ),
    "tr-ios": WhatsAppStyle(
        ios=True,
        date_separator=".",
        year_digits=4,
        media="görüntü dahil edilmedi",
        deleted="Bu mesaj silindi",
        encrypted="Mesajlar ve aramalar uçtan uca şifrelidir.",
    ),
    "fi-ios": WhatsAppStyle(
        ios=True,
        date_separator=".",
        pad_date=False,
        year_digits=4,
        date_time_separator=" klo ",
        time_separator=".",
    ),
    "ja-ios": WhatsAppStyle(ios=True, order=DateOrder.YMD, year_digits=4),
}
"""Export styles of many locales, Android and iOS, by name."""


@frozen(kw_only=True)
class WhatsAppExport:
    r"""
    A rendered export and what a parser must read back from it.

    Args:
        text: The export's text, lines ending in ``\\n``.
        style: The style it was written in.
        zone: The zone its wall times are in.
        messages: The messages a parser must return (ids and sources left empty:
            compare the other fields).
    """

    text: str = attrs.field(repr=lambda text: f"<{len(text)} characters>")
    style: WhatsAppStyle
    zone: str
    messages: tuple[Message, ...]


def render_whatsapp(
    chat: Iterable[Message], style: WhatsAppStyle, *, zone: str = "UTC"
) -> WhatsAppExport:
    """
    Write *chat* as a WhatsApp export in *style*, with wall times in *zone*.

    Text messages keep their text (and get the edited marker when edited); media
    become the style's placeholder, deleted messages its notice, system events
    its encryption notice (iOS: written as if sent by the chat).
    """
    tz = pendulum.timezone(zone)
    lines: list[str] = []
    expected: list[Message] = []
    lrm = "\u200e"
    minute_only = style.resolution == _MINUTE
    for message in chat:
        wall = message.sent_at.astimezone(tz)
        cut = wall.replace(microsecond=0, second=0 if minute_only else wall.second)
        header = style.header(wall)
        participant = message.author
        author = participant.name.strip() if participant is not None else ""
        kind = message.kind
        text = message.text
        edited = False
        attachments: tuple[Attachment, ...] = ()
        if kind is MessageKind.SYSTEM:
            text = style.encrypted
            body = f"{style.chat_name}: {lrm}{text}" if style.ios else text
            line = f"{lrm}{header}{body}" if style.ios else f"{header}{body}"
        else:
            if kind is MessageKind.MEDIA:
                text = style.media
                attachments = (Attachment(name=text),)
                body = f"{lrm}{text}" if style.ios else text
            elif kind is MessageKind.DELETED:
                text = style.deleted
                body = f"{lrm}{text}" if style.ios else text
            else:
                body = text
                if message.edited:
                    edited = True
                    body += f" {lrm}{style.edited}" if style.ios else f" {style.edited}"
            line = f"{header}{author}: {body}"
        lines.append(line)
        expected.append(
            attrs.evolve(
                message,
                id="",
                sent_at=cut,
                text=text,
                author=None
                if participant is None
                else attrs.evolve(participant, id=author, name=author),
                reply_to=None,
                attachments=attachments,  # attrs plugin vs converter=tuple
                edited=edited,
                source=None,
            )
        )
    return WhatsAppExport(
        text="".join(f"{line}\n" for line in lines),
        style=style,
        zone=zone,
        messages=tuple(expected),
    )


def whatsapp_exports(
    *,
    chats: SearchStrategy[list[Message]] | None = None,
    styles: SearchStrategy[WhatsAppStyle] | None = None,
    zones: SearchStrategy[str] | None = None,
) -> SearchStrategy[WhatsAppExport]:
    """
    A `WhatsAppExport` of a generated chat in a generated style (needs Hypothesis).

    Args:
        chats: Strategy for the chat (default ``strategies.chats(min_size=1)``
            with author names that WhatsApp can write).
        styles: Strategy for the style (default one of `WHATSAPP_STYLES`).
        zones: Strategy for the zone names (default a few, with DST and odd offsets).

    Example:
        >>> whatsapp_exports().example()  # doctest: +SKIP
        WhatsAppExport(text=<152 characters>, ...)

    """
    from hypothesis import strategies as st  # noqa: PLC0415 - Hypothesis is optional

    from persona_clone.testing.strategies import chats as chat_strategy  # noqa: PLC0415
    from persona_clone.testing.strategies import message_texts, participants  # noqa: PLC0415

    given: tuple[tuple[str, object], ...] = (
        ("chats", chats),
        ("styles", styles),
        ("zones", zones),
    )
    for label, value in given:
        if value is not None and not isinstance(value, st.SearchStrategy):
            msg = f"{label} must be a Hypothesis strategy (st.just(...)), found {value!r}"
            raise TypeError(msg)
    names = st.text(_NAME_LETTERS, min_size=1, max_size=12).map(str.strip).filter(bool)
    default_chats = chat_strategy(
        min_size=1,
        texts=message_texts().filter(_not_a_notice),
        authors=st.lists(
            participants(names=names),
            min_size=1,
            max_size=4,
            unique_by=lambda p: p.name,
        ).flatmap(st.sampled_from),
    )
    build: Any = st.builds(
        lambda chat, style, zone: render_whatsapp(chat, style, zone=zone),
        chats if chats is not None else default_chats,
        styles if styles is not None else st.sampled_from(list(WHATSAPP_STYLES.values())),
        zones
        if zones is not None
        else st.sampled_from(["UTC", "Europe/Istanbul", "Asia/Kolkata", "America/New_York"]),
    )
    result: SearchStrategy[WhatsAppExport] = build
    return result


def _not_a_notice(text: str) -> bool:
    """Whether WhatsApp would read *text* as written, not as a media or deletion notice."""
    key = body_key(text)
    return key not in MEDIA_PLACEHOLDERS and key not in DELETED_BODIES

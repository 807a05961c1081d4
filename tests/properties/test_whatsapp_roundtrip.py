"""Round trips: chats written as WhatsApp exports in many locales parse back."""

from __future__ import annotations

from pathlib import Path

import pendulum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from persona_clone import Message, WhatsAppParser, parse
from persona_clone.parsers import CollectingIssueSink, Severity
from persona_clone.testing.whatsapp import (
    WHATSAPP_STYLES,
    WhatsAppExport,
    whatsapp_exports,
)


def _view(message: Message, zone: str) -> tuple[object, ...]:
    """The fields a round trip must keep, times as wall time in *zone*."""
    wall = message.sent_at.astimezone(pendulum.timezone(zone)).replace(tzinfo=None)
    return (
        wall,
        None if message.author is None else message.author.name,
        message.text,
        message.kind,
        message.edited,
        tuple(a.name for a in message.attachments),
    )


def _parse(export: WhatsAppExport, folder: Path) -> tuple[list[Message], CollectingIssueSink]:
    path = folder / "WhatsApp Chat with Kampüs.txt"
    path.write_text(export.text, encoding="utf-8")
    sink = CollectingIssueSink()
    parser = WhatsAppParser(date_order=export.style.order)
    return list(parse(path, format=parser, tz=export.zone, issues=sink)), sink


_SETTINGS = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


class TestRoundTrip:
    @_SETTINGS
    @given(export=whatsapp_exports())
    def test_every_style_round_trips(self, export: WhatsAppExport, tmp_path: Path) -> None:
        """A rendered chat parses back to its times, authors, texts, kinds and flags."""
        messages, sink = _parse(export, tmp_path)

        assert [] == sink.errors
        assert [_view(m, export.zone) for m in export.messages] == [
            _view(m, export.zone) for m in messages
        ]

    @_SETTINGS
    @given(export=whatsapp_exports(styles=st.sampled_from(list(WHATSAPP_STYLES.values()))))
    def test_counts_add_up(self, export: WhatsAppExport, tmp_path: Path) -> None:
        """Every physical line is a message line or a reported problem."""
        messages, sink = _parse(export, tmp_path)
        lines = export.text.count("\n")

        assert lines == sum(m.text.count("\n") + 1 for m in messages) + sum(
            i.lines for i in sink.issues if i.severity is Severity.ERROR
        )

    @_SETTINGS
    @given(export=whatsapp_exports())
    def test_ids_are_unique_line_numbers(self, export: WhatsAppExport, tmp_path: Path) -> None:
        """Ids are the header line numbers: unique, increasing, the source line."""
        messages, _ = _parse(export, tmp_path)

        assert [str(m.source.line) for m in messages if m.source] == [m.id for m in messages]
        assert sorted({int(m.id) for m in messages}) == [int(m.id) for m in messages]

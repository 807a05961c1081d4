"""Tests for persona_clone.message."""

from __future__ import annotations

import datetime as dt
import pickle
from typing import Any

import attrs
import pendulum
import pytest

from persona_clone import (
    Attachment,
    Message,
    MessageKind,
    NaiveTimestampError,
    Participant,
    SourceRef,
)
from persona_clone._fast import MutableMessage, MutableSourceRef
from persona_clone.testing import make_message, make_participant


class TestMessage:
    def test_naive_time_is_refused(self) -> None:
        """A send time without a zone raises NaiveTimestampError naming the fix."""
        with pytest.raises(NaiveTimestampError, match="timezone-aware"):
            make_message(sent_at=dt.datetime(2024, 1, 1, 12))  # noqa: DTZ001

    def test_naive_error_is_a_value_error(self) -> None:
        """Callers who catch ValueError also catch naive-time errors."""
        with pytest.raises(ValueError):
            make_message(sent_at=dt.datetime(2024, 1, 1, 12))  # noqa: DTZ001

    def test_stdlib_aware_time_is_accepted(self) -> None:
        """Any aware datetime is accepted, not only pendulum's."""
        when = dt.datetime(2024, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=3)))

        message = make_message(sent_at=when)

        assert when == message.sent_at

    def test_system_events_have_no_author(self) -> None:
        """A system event with an author is refused."""
        with pytest.raises(ValueError, match="author"):
            make_message(kind=MessageKind.SYSTEM, author=make_participant("Ada"))

    def test_user_messages_need_an_author(self) -> None:
        """A text message without an author is refused."""
        with pytest.raises(ValueError, match="author"):
            make_message(kind=MessageKind.TEXT, author=None)

    def test_system_event_without_author(self) -> None:
        """make_message builds a system event without an author."""
        event = make_message(kind=MessageKind.SYSTEM, text="Ada joined")

        assert (None, True) == (event.author, event.is_system)

    def test_text_is_nfc(self) -> None:
        """Decomposed text is stored composed (NFC), Turkish letters intact."""
        decomposed = "C\u0327ag\u0306ri\u0307"  # Ç, ğ and i + combining dot

        message = make_message(text=decomposed)

        assert "Çağri\u0307" == message.text

    def test_turkish_dotless_and_dotted_i_survive(self) -> None:
        """ı, İ, ş and ğ are kept exactly; nothing is case-folded."""
        text = "İyi akşamlar, ılık bir gün! Ğ ş Ş ı I i"

        assert text == make_message(text=text).text

    def test_newlines_are_kept(self) -> None:
        """Multi-line text keeps its line breaks."""
        assert "a\nb\n\nc" == make_message(text="a\nb\n\nc").text

    def test_repr_hides_long_text(self) -> None:
        """The repr shows at most a short prefix of the text (privacy)."""
        private = "my card number is 4111 1111 1111 1111, call me at +90 555 000 00 00"

        shown = repr(make_message(text=private))

        assert private not in shown
        assert "my card number" in shown

    def test_attachments_become_a_tuple(self) -> None:
        """Attachments given as a list are stored as an immutable tuple."""
        message = make_message(kind=MessageKind.MEDIA, attachments=[Attachment(name="a.jpg")])

        assert (Attachment(name="a.jpg"),) == message.attachments

    def test_messages_are_frozen_and_hashable(self) -> None:
        """Messages are values: frozen, comparable and hashable."""
        message = make_message(id="x")

        with pytest.raises(AttributeError):
            message.text = "changed"  # type: ignore[misc]
        assert {message} == {make_message(id="x")}

    def test_keyword_only(self) -> None:
        """Fields are keyword-only so new fields never break callers."""
        with pytest.raises(TypeError):
            Message("1", pendulum.now("UTC"), None, "x")  # type: ignore[call-arg]  # noqa: TID251

    def test_pickles(self) -> None:
        """Messages survive pickling (multiprocessing)."""
        message = make_message(source=SourceRef(file="chat.txt", line=3))

        assert message == pickle.loads(pickle.dumps(message))  # noqa: S301


class TestSourceRef:
    def test_line_location(self) -> None:
        """A text location reads file:line."""
        assert "chat.txt:12" == str(SourceRef(file="chat.txt", line=12))

    def test_json_location(self) -> None:
        """A JSON location reads file and JSON path."""
        assert "result.json $.messages[3]" == str(
            SourceRef(file="result.json", path="$.messages[3]")
        )

    def test_file_only(self) -> None:
        """A location without line or path is the file name."""
        assert "x.zip" == str(SourceRef(file="x.zip"))


class TestParticipant:
    def test_from_name(self) -> None:
        """A participant known only by name uses the name as its id."""
        assert Participant(id="Ayşe", name="Ayşe") == Participant.from_name("Ayşe")


class TestLayoutTwins:
    """The mutable twins parsers build messages through."""

    def test_a_message_filled_through_its_twin_is_an_ordinary_frozen_message(self) -> None:
        """Equal to the same Message(...), hashable, picklable and frozen."""
        at = pendulum.datetime(2024, 5, 1, 12, 30, tz="Europe/Istanbul")
        ada = make_participant("Ada")
        expected = Message(
            id="7",
            sent_at=at,
            author=ada,
            text="çay?",
            source=SourceRef(file="chat.txt", line=7),
        )
        ref: Any = object.__new__(MutableSourceRef)
        ref.file, ref.line, ref.path = "chat.txt", 7, None
        ref.__class__ = SourceRef
        built: Any = object.__new__(MutableMessage)
        built.id, built.sent_at, built.author, built.text = "7", at, ada, "çay?"
        built.kind, built.reply_to, built.attachments = MessageKind.TEXT, None, ()
        built.edited, built.source, built.chat = False, ref, None
        built.forwarded_from = None
        built.__class__ = Message

        assert type(built) is Message
        assert expected == built
        assert hash(expected) == hash(built)
        assert expected == pickle.loads(pickle.dumps(built))  # noqa: S301
        with pytest.raises(AttributeError):
            built.text = "changed"  # type: ignore[misc]

    @pytest.mark.parametrize(
        ("twin", "frozen_class"), [(MutableMessage, Message), (MutableSourceRef, SourceRef)]
    )
    def test_each_twin_declares_exactly_the_frozen_class_fields(
        self, twin: type, frozen_class: type
    ) -> None:
        """A field added to the frozen class must be added to its twin too."""
        assert sorted(a.name for a in attrs.fields(frozen_class)) == sorted(twin.__slots__)  # type: ignore[attr-defined]

"""Laws of NameBook: valid, injective, stable, and restorable names."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from persona_clone import NameBook, Participant
from persona_clone.privacy.identity import OPENAI_NAME, is_phone_number
from persona_clone.testing.strategies import participants


_PHONES = st.text("0123456789", min_size=10, max_size=12).map(
    lambda digits: Participant.from_name(f"+{digits[:2]} {digits[2:]}")
)
_ANY_NAMES = st.text(min_size=0, max_size=80).map(
    lambda name: Participant(id=f"id:{name}", name=name)
)
_PEOPLE = st.lists(st.one_of(participants(), _PHONES, _ANY_NAMES), max_size=30)


@given(_PEOPLE)
def test_openai_names_are_valid_and_distinct(people: list[Participant]) -> None:
    """Every rendered name matches OpenAI's pattern, and different people differ."""
    book = NameBook()
    rendered = {person.id: book.openai_name(person) for person in people}

    assert all(OPENAI_NAME.fullmatch(name) for name in rendered.values())
    assert len(rendered) == len({name.lower() for name in rendered.values()})


@given(_PEOPLE)
def test_names_are_stable(people: list[Participant]) -> None:
    """Asking again, in any order, gives the same names."""
    book = NameBook()
    first = [book.openai_name(person) for person in people]

    assert first[::-1] == [book.openai_name(person) for person in reversed(people)]


@given(_PEOPLE)
def test_phone_numbers_never_show(people: list[Participant]) -> None:
    """No rendered or display name of a phone-number participant holds its digits."""
    book = NameBook()
    for person in people:
        if is_phone_number(person.name):
            assert book.openai_name(person).startswith("Contact_")
            assert book.display_name(person) == book.openai_name(person)


@given(_PEOPLE, _PEOPLE)
def test_saved_books_reproduce_names(seen: list[Participant], later: list[Participant]) -> None:
    """A book restored from JSON names old and new people as the original does."""
    book = NameBook()
    for person in seen:
        book.openai_name(person)
    restored = NameBook.from_json(book.to_json())

    assert [book.openai_name(p) for p in seen + later] == [
        restored.openai_name(p) for p in seen + later
    ]
    assert [book.display_name(p) for p in seen + later] == [
        restored.display_name(p) for p in seen + later
    ]

"""Tests for persona_clone.dataset.rendering."""

from __future__ import annotations

from collections import Counter

import pytest

from dataset_support import NoAliases, PlainNames, chat
from persona_clone import Merger, Participant, Turn
from persona_clone.dataset.rendering import (
    MEDIA_PLACEHOLDER,
    ChatRenderer,
    LegacyRenderer,
    renderable,
)
from persona_clone.message import MessageKind
from persona_clone.testing import make_message, make_participant


DENIZ = Participant.from_name("Deniz")


def turns(*lines: tuple[str, str]) -> tuple[Turn, ...]:
    return tuple(Merger().merge(chat(*lines)))


def chat_renderer(**overrides: object) -> ChatRenderer:
    values: dict[str, object] = {
        "persona": DENIZ,
        "names": PlainNames(),
        "aliases": NoAliases(),
    }
    values.update(overrides)
    return ChatRenderer(**values)  # type: ignore[arg-type]


class TestRenderable:
    def test_system_and_deleted_messages_are_never_rendered(self) -> None:
        """System events and deleted messages are dropped and counted."""
        dropped: Counter[str] = Counter()
        messages = [
            make_message(kind=MessageKind.SYSTEM, text="Ayşe added Deniz"),
            make_message(kind=MessageKind.DELETED, text="This message was deleted"),
            make_message(text="selam"),
        ]

        shown = list(renderable(messages, dropped=dropped))

        assert ["selam"] == [m.text for m in shown]
        assert Counter({"system": 1, "deleted": 1}) == dropped

    def test_media_becomes_the_placeholder(self) -> None:
        """A media message keeps its place with the text <media>."""
        shown = list(renderable([make_message(kind=MessageKind.MEDIA, text="<Media omitted>")]))

        assert [MEDIA_PLACEHOLDER] == [m.text for m in shown]

    def test_media_can_be_dropped(self) -> None:
        """media=None drops media messages."""
        dropped: Counter[str] = Counter()

        shown = list(
            renderable([make_message(kind=MessageKind.MEDIA)], media=None, dropped=dropped)
        )

        assert [] == shown
        assert 1 == dropped["media"]

    def test_special_tokens_are_scrubbed_and_empty_text_dropped(self) -> None:
        """Special-token text is removed; a message left empty is dropped."""
        shown = list(
            renderable(
                [
                    make_message(text="a<|endoftext|>b"),
                    make_message(text="<|im_start|>"),
                ]
            )
        )

        assert ["ab"] == [m.text for m in shown]


class TestChatRenderer:
    def test_persona_is_assistant_and_others_are_named_users(self) -> None:
        """The persona's turns are assistant messages; others are named users."""
        rendered = chat_renderer(system_prompt="Deniz, 29").messages(
            turns(("Çağrı Öztürk", "naber"), ("Deniz", "iyi"), ("Deniz", "sen?"))
        )

        assert [
            {"role": "system", "content": "Deniz, 29"},
            {"role": "user", "name": "Cagri_Ozturk", "content": "naber"},
            {"role": "assistant", "content": "iyi\nsen?"},
        ] == rendered

    def test_weights_go_on_persona_turns_only(self) -> None:
        """Each persona message carries its weight; user messages never do."""
        rendered = chat_renderer().messages(
            turns(("Deniz", "a"), ("Ayşe", "b"), ("Deniz", "c")), weights=[0, 1, 1]
        )

        assert [0, None, 1] == [m.get("weight") for m in rendered]

    def test_weights_must_match_the_turns(self) -> None:
        """A weight list of the wrong length or with other values is refused."""
        with pytest.raises(ValueError, match="one weight per turn"):
            chat_renderer().messages(turns(("Deniz", "a")), weights=[1, 1])
        with pytest.raises(ValueError, match="0 or 1"):
            chat_renderer().messages(turns(("Deniz", "a")), weights=[2])

    def test_known_persona_flags_give_the_same_messages(self) -> None:
        """Flags the caller already has render exactly as asking the renderer."""
        chat = turns(("Çağrı Öztürk", "naber"), ("Deniz", "iyi"), ("Ayşe", "?"))

        assert chat_renderer().messages(chat) == chat_renderer().messages(
            chat, personas=[False, True, False]
        )
        with pytest.raises(ValueError, match="one persona flag per turn"):
            chat_renderer().messages(chat, personas=[True])

    def test_system_turns_are_not_rendered(self) -> None:
        """A turn of system events never becomes a message."""
        rendered = chat_renderer().messages(turns(("", "Ayşe joined"), ("Deniz", "hi")))

        assert [{"role": "assistant", "content": "hi"}] == rendered

    def test_persona_is_matched_through_aliases(self) -> None:
        """An author the alias map resolves to the persona is the persona."""

        class Aliases:
            def resolve(self, p: Participant) -> Participant:
                return DENIZ if p.name == "+90 555" else p

        renderer = chat_renderer(aliases=Aliases())

        assert renderer.is_persona(make_participant("+90 555"))
        assert not renderer.is_persona(None)


class TestLegacyRenderer:
    def test_unnamed_prompt_and_completion(self) -> None:
        """Prompts read User:/Assistant:; completions are a space, text, end marker."""
        renderer = LegacyRenderer(persona=DENIZ, names=PlainNames(), aliases=NoAliases())
        context = turns(("Ayşe", "geliyor musun?"), ("Deniz", "evet"), ("Mert", "ben de"))

        assert "User: geliyor musun?\nAssistant: evet\nUser: ben de\nAssistant:" == renderer.prompt(
            context
        )
        assert " tamam\nşimdi\n###\n" == renderer.completion(
            turns(("Deniz", "tamam"), ("Deniz", "şimdi"))[0]
        )
        assert "\n###" == renderer.stop

    def test_named_variant_uses_display_names(self) -> None:
        """The named variant labels each speaker and ends with the persona's name."""
        renderer = LegacyRenderer(
            persona=DENIZ,
            names=PlainNames(),
            aliases=NoAliases(),
            named=True,
            separator="\n\n",
        )

        assert "Ayşe: selam\n\nDeniz:" == renderer.prompt(turns(("Ayşe", "selam")))

    def test_stop_sequence_inside_a_completion_is_defused(self) -> None:
        """A completion never contains the stop sequence before its end marker."""
        renderer = LegacyRenderer(persona=DENIZ, names=PlainNames(), aliases=NoAliases())

        completion = renderer.completion(turns(("Deniz", "başlık\n### not"))[0])

        assert completion.endswith(renderer.end_marker)
        assert renderer.stop not in completion[: -len(renderer.end_marker)]

    def test_empty_end_marker_is_refused(self) -> None:
        """An empty end marker would make completions unstoppable."""
        with pytest.raises(ValueError, match="end_marker"):
            LegacyRenderer(persona=DENIZ, names=PlainNames(), aliases=NoAliases(), end_marker="")

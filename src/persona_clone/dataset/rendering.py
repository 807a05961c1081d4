"""
The one rendering path from conversations to model input.

The dataset builders and the live chat bot share it, so a clone sees at serving
time exactly the shape it was trained on.

- `renderable` decides which messages a model ever sees: system events never,
  deleted messages never, media as the placeholder ``<media>``, and no
  special-token text such as ``<|endoftext|>``.
- `ChatRenderer` renders turns as OpenAI chat messages: the persona as
  ``assistant``, everyone else as ``user`` with a ``name``.
- `LegacyRenderer` renders them as a prompt/completion pair for completion models.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final, Protocol, runtime_checkable

from attrs import field, frozen

from .._fast import with_text
from ..message import Message, MessageKind, Participant
from ..session import Turn


__all__ = [
    "MEDIA_PLACEHOLDER",
    "ChatRenderer",
    "LegacyRenderer",
    "NameRenderer",
    "ParticipantResolver",
    "renderable",
    "scrub_special_tokens",
]

MEDIA_PLACEHOLDER: Final = "<media>"
"""What a photo, video, voice note or sticker becomes in rendered text."""

_SPECIAL_TOKEN = re.compile(r"<\|[A-Za-z0-9_]{1,40}\|>")


@runtime_checkable
class NameRenderer(Protocol):
    """Renders participants' names for outputs (`persona_clone.NameBook` is one)."""

    def openai_name(self, participant: Participant) -> str:
        """Return a name matching ``[A-Za-z0-9_-]{1,64}`` for the ``name`` field."""
        ...

    def display_name(self, participant: Participant) -> str:
        """Return a readable label (never a phone number) for prompts."""
        ...


@runtime_checkable
class ParticipantResolver(Protocol):
    """Maps a participant to its identity (`persona_clone.AliasMap` is one)."""

    def resolve(self, participant: Participant) -> Participant:
        """Return the canonical participant, or *participant* itself if unknown."""
        ...


def _empty_aliases() -> ParticipantResolver:
    from ..privacy.identity import AliasMap  # noqa: PLC0415  (identity imports rendering's users)

    aliases: ParticipantResolver = AliasMap()
    return aliases


def scrub_special_tokens(text: str) -> str:
    """
    Remove special-token text (``<|endoftext|>``, ``<|im_start|>``) from *text*.

    The fine-tuning service rejects examples containing it.

    Example:
        >>> scrub_special_tokens("hi<|endoftext|> there")
        'hi there'

    """
    return _SPECIAL_TOKEN.sub("", text) if "<|" in text else text


def renderable(  # noqa: C901  (one decision per message kind)
    messages: Iterable[Message],
    *,
    media: str | None = MEDIA_PLACEHOLDER,
    dropped: Counter[str] | None = None,
) -> Iterator[Message]:
    """
    Yield the messages a model may see, as it sees them, lazily.

    - System events (joins, renames, calls) are never rendered.
    - Deleted messages are dropped: only the notice remains, and training a
      clone on "This message was deleted" teaches it nothing.
    - Media messages keep their place as *media* (default ``<media>``), so a
      reply to a photo still has something to reply to; their caption, if the
      export kept one, is not kept. ``media=None`` drops them.
    - Special-token text is removed; a message left empty is dropped.

    Args:
        messages: Any message stream (a session, a live chat).
        media: The text media messages get, or ``None`` to drop them.
        dropped: A counter that receives how many messages were dropped, by
            reason (``system``, ``deleted``, ``media``, ``empty``).
    """
    system, deleted, kind_media = (
        MessageKind.SYSTEM,
        MessageKind.DELETED,
        MessageKind.MEDIA,
    )
    for message in messages:
        kind = message.kind
        if kind is system or kind is deleted:
            if dropped is not None:
                dropped[kind.value] += 1
            continue
        if kind is kind_media:
            if media is None:
                if dropped is not None:
                    dropped["media"] += 1
                continue
            if message.text != media:
                message = with_text(message, media)  # noqa: PLW2901
        text = message.text
        if "<|" in text:
            message = with_text(message, scrub_special_tokens(text))  # noqa: PLW2901
            text = message.text
        if not text or text.isspace():
            if dropped is not None:
                dropped["empty"] += 1
            continue
        yield message


@frozen(kw_only=True)
class ChatRenderer:
    """
    Render turns as OpenAI chat messages, for training and for serving.

    Args:
        persona: The person being cloned (canonical, after alias resolution).
        names: Renders the other speakers' ``name`` fields
            (`persona_clone.NameBook`).
        aliases: Maps each author to its identity before comparing with
            *persona* (default: an empty `persona_clone.AliasMap`).
        system_prompt: The system message opening every conversation, if any
            (a short description of the persona).

    A turn is the persona's when its resolved author has the persona's id or
    display name. Turns without an author (system events) are never rendered.
    """

    persona: Participant
    names: NameRenderer
    aliases: ParticipantResolver = field(factory=_empty_aliases)
    system_prompt: str | None = None

    def is_persona(self, author: Participant | None) -> bool:
        """Whether *author* is the persona."""
        if author is None:
            return False
        resolved = self.aliases.resolve(author)
        return resolved.id == self.persona.id or resolved.name == self.persona.name

    def name(self, author: Participant) -> str:
        """Return the ``name`` field *author*'s messages get."""
        return self.names.openai_name(self.aliases.resolve(author))

    def messages(
        self,
        turns: Sequence[Turn],
        *,
        weights: Sequence[int] | None = None,
        personas: Sequence[bool] | None = None,
    ) -> list[dict[str, Any]]:
        """
        Return the chat messages for *turns*.

        Args:
            turns: The conversation, oldest first.
            weights: One weight (0 or 1) per turn; each persona turn's message
                carries its weight. Other turns' weights are ignored.
            personas: For each turn, whether the persona spoke it, when the
                caller already knows (`persona_clone.dataset.Example.persona`);
                asked with `is_persona` otherwise.

        Raises:
            ValueError: *weights* or *personas* has another length than
                *turns*, or *weights* holds something other than 0 or 1.
        """
        if personas is not None and len(personas) != len(turns):
            msg = f"expected one persona flag per turn ({len(turns)}), found {len(personas)}"
            raise ValueError(msg)
        if weights is not None:
            if len(weights) != len(turns):
                msg = f"expected one weight per turn ({len(turns)}), found {len(weights)}"
                raise ValueError(msg)
            if any(w not in (0, 1) for w in weights):
                msg = f"expected weights of 0 or 1, found {sorted(set(weights))}"
                raise ValueError(msg)
        rendered: list[dict[str, Any]] = []
        if self.system_prompt:
            rendered.append({"role": "system", "content": self.system_prompt})
        for index, turn in enumerate(turns):
            author = turn.author
            if author is None:
                continue
            if self.is_persona(author) if personas is None else personas[index]:
                message: dict[str, Any] = {"role": "assistant", "content": turn.text}
                if weights is not None:
                    message["weight"] = int(weights[index])
            else:
                message = {
                    "role": "user",
                    "name": self.name(author),
                    "content": turn.text,
                }
            rendered.append(message)
        return rendered


@frozen(kw_only=True)
class LegacyRenderer:
    r"""
    Render turns as a prompt/completion pair for completion models.

    With ``named=False`` the prompt reads ``"User: ...\nAssistant:"`` (every other
    speaker is ``User``); with ``named=True`` each speaker is labelled with their
    display name and the prompt ends with ``"<Persona>:"``. The completion is a
    space, the persona's text, and *end_marker*.

    Merged turns contain newlines, so a newline cannot end a completion: the
    default *end_marker* is ``"\n###\n"``, and `stop` is the stop sequence to pass
    when calling the model.

    Args:
        persona: The person being cloned (canonical).
        names: Gives display names in the named variant.
        aliases: Maps authors to identities (default: an empty
            `persona_clone.AliasMap`).
        named: Label speakers by name instead of ``User``/``Assistant``.
        separator: What goes between the entries of a prompt.
        end_marker: What ends every completion.

    Example:
        >>> from persona_clone import Participant, Turn
        >>> from persona_clone.testing import make_message
        >>> class Names:
        ...     def openai_name(self, p): return p.name
        ...     def display_name(self, p): return p.name
        >>> class NoAliases:
        ...     def resolve(self, p): return p
        >>> ada, bob = Participant.from_name("Ada"), Participant.from_name("Bob")
        >>> r = LegacyRenderer(persona=bob, names=Names(), aliases=NoAliases())
        >>> ask = Turn(author=ada, text="tea?", messages=[make_message(author=ada)])
        >>> yes = Turn(author=bob, text="yes\nnow",
        ...            messages=[make_message(author=bob)])
        >>> r.prompt([ask]), r.completion(yes), r.stop
        ('User: tea?\nAssistant:', ' yes\nnow\n###\n', '\n###')

    """

    persona: Participant
    names: NameRenderer
    aliases: ParticipantResolver = field(factory=_empty_aliases)
    named: bool = False
    separator: str = "\n"
    end_marker: str = field(default="\n###\n")

    @end_marker.validator
    def _check_end_marker(self, _: object, value: str) -> None:
        if not value:
            msg = "expected a non-empty end_marker"
            raise ValueError(msg)

    def is_persona(self, author: Participant | None) -> bool:
        """Whether *author* is the persona."""
        if author is None:
            return False
        resolved = self.aliases.resolve(author)
        return resolved.id == self.persona.id or resolved.name == self.persona.name

    def label(self, author: Participant) -> str:
        """Return the label *author*'s entries get in prompts."""
        persona = self.is_persona(author)
        if not self.named:
            return "Assistant" if persona else "User"
        return self.names.display_name(self.persona if persona else self.aliases.resolve(author))

    def _clean(self, text: str) -> str:
        stop = self.stop
        return text.replace(stop, " ") if stop in text else text

    def prompt(self, context: Sequence[Turn]) -> str:
        """Return the prompt for the persona's next turn after *context*."""
        entries = [
            f"{self.label(turn.author)}: {turn.text}" for turn in context if turn.author is not None
        ]
        entries.append(f"{self.label(self.persona)}:")
        return self.separator.join(entries)

    def completion(self, turn: Turn) -> str:
        """
        Return *turn* as a completion: a space, its text, then the end marker.

        A stop sequence inside the text would end the completion early at
        inference, so it is replaced by a space.
        """
        return f" {self._clean(turn.text)}{self.end_marker}"

    @property
    def stop(self) -> str:
        """The stop sequence to pass when calling the model (the trimmed end marker)."""
        return self.end_marker.rstrip() or self.end_marker

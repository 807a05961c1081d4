"""
`ConversationBuffer`: the recent conversation of one chat, as the clone sees it.

The buffer is pure: it never reads the clock, never sleeps and does no I/O.
Callers pass the time to `ConversationBuffer.ready_to_reply`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import Protocol

import pendulum
from attrs import define, evolve, field, frozen

from .._serialization import converter
from ..conversation.merger import Merger
from ..dataset.rendering import ParticipantResolver, renderable
from ..dataset.tokens import EstimatingCounter
from ..durations import to_duration
from ..errors import ConfigError, excerpt
from ..message import Message, MessageKind, Participant
from ..privacy.identity import AliasMap, normalise_name
from ..session import Turn


__all__ = ["ConversationBuffer"]

logger = logging.getLogger(__name__)

_FORMAT_VERSION = 1
_IGNORED_KINDS = frozenset({MessageKind.SYSTEM, MessageKind.DELETED})


class _TokenCounter(Protocol):
    """The part of ``persona_clone.dataset.tokens.TokenCounter`` the buffer uses."""

    def count(self, text: str) -> int:
        """Return the number of tokens in *text*."""
        ...


def _persona(value: Participant | str) -> Participant:
    return Participant.from_name(value) if isinstance(value, str) else value


def _at_least_one(_instance: object, _attribute: object, value: int | None) -> None:
    if value is not None and value < 1:
        msg = f"expected a bound of at least 1, found {value}"
        raise ConfigError(msg)


def _not_negative(_instance: object, _attribute: object, value: dt.timedelta) -> None:
    if value < dt.timedelta(0):
        msg = f"expected a quiet window of zero or more, found {value}"
        raise ConfigError(msg)


@frozen(kw_only=True)
class _MergerState:
    joiner: str
    within: pendulum.Duration | None


@frozen(kw_only=True)
class _BufferState:
    """The JSON shape of a saved buffer (versioned)."""

    version: int
    persona: Participant
    max_entries: int
    quiet: pendulum.Duration
    max_tokens: int | None
    merger: _MergerState
    entries: tuple[Turn, ...]
    last_at: dt.datetime | None


@define  # *persona* is positional, as in the issue; every setting is keyword-only
class ConversationBuffer:
    """
    The recent conversation of one chat: a bounded log of merged turns.

    Consecutive messages of one speaker merge into one entry exactly as *merger*
    merges them for training, after each speaker is canonicalised through
    *aliases*; the persona's own replies are entries too.
    The oldest entries fall out when there are more than *max_entries*, or when
    the entries hold more than *max_tokens* tokens (the newest entry always
    stays).
    System events and deleted-message notices are not conversation: `add`
    ignores them and returns ``False``.

    Render the entries for the model with the renderer the dataset was built
    with (``ChatRenderer.messages(buffer.entries)`` or
    ``LegacyRenderer.prompt(buffer.entries)``), so serving and training see
    conversations in the same shape.

    Args:
        persona: Who the clone is: a `Participant`, or a display name.
        max_entries: Most entries kept (at least 1).
        quiet: How long the chat must be quiet before the clone answers.
        max_tokens: Most tokens kept over all entries (default: no token bound).
        token_counter: Counts tokens for *max_tokens* (default: the dataset's
            estimate, `persona_clone.EstimatingCounter`).
        merger: How consecutive messages merge (the dataset's merger).
        aliases: Canonical names for every speaker, the persona included.

    Example:
        >>> from persona_clone import ConversationBuffer
        >>> from persona_clone.testing import make_message, make_participant
        >>> buffer = ConversationBuffer("Ada")
        >>> bob = make_participant("Bob")
        >>> buffer.add(make_message(author=bob, text="hi"))
        True
        >>> buffer.add(make_message(author=bob, text="you there?"))
        True
        >>> [(turn.author.name, turn.text.splitlines()) for turn in buffer.entries]
        [('Bob', ['hi', 'you there?'])]

    .. versionadded:: 0.1.0
    """

    persona: Participant = field(converter=_persona)
    max_entries: int = field(default=20, validator=_at_least_one, kw_only=True)
    quiet: pendulum.Duration = field(
        factory=lambda: pendulum.duration(seconds=25),
        converter=to_duration,
        validator=_not_negative,
        kw_only=True,
    )
    max_tokens: int | None = field(default=None, validator=_at_least_one, kw_only=True)
    token_counter: _TokenCounter | None = field(default=None, kw_only=True, eq=False)
    merger: Merger = field(factory=Merger, kw_only=True)
    aliases: ParticipantResolver = field(factory=AliasMap, kw_only=True)
    _entries: list[Turn] = field(factory=list, init=False)
    _tokens: list[int] = field(factory=list, init=False, eq=False, repr=False)
    _last_at: dt.datetime | None = field(default=None, init=False)

    def __attrs_post_init__(self) -> None:
        self.persona = self.aliases.resolve(self.persona)

    @property
    def entries(self) -> tuple[Turn, ...]:
        """The entries, oldest first."""
        return tuple(self._entries)

    @property
    def last_at(self) -> dt.datetime | None:
        """When the latest message was sent (``None`` while empty)."""
        return self._last_at

    @property
    def pending(self) -> bool:
        """Whether someone said something the persona has not answered yet."""
        return bool(self._entries) and not self.is_persona(self._entries[-1].author)

    def is_persona(self, participant: Participant | None) -> bool:
        """
        Whether *participant* is the persona, under any of its aliases.

        A persona known only by its display name (given as a string, or as a
        participant whose id is its name) matches by name too, so
        ``ConversationBuffer("Deniz")`` recognises ``Participant(id="deniz",
        name="Deniz")`` from a platform with ids of its own.
        """
        if participant is None:
            return False
        resolved = self.aliases.resolve(participant)
        if resolved.id == self.persona.id:
            return True
        persona = self.persona
        return persona.id == persona.name and normalise_name(resolved.name) == normalise_name(
            persona.name
        )

    def add(self, message: Message) -> bool:
        """
        Add *message* to the log, merging it into the last entry where it continues it.

        The message is first shown as the dataset builder shows it
        (`persona_clone.dataset.rendering.renderable`): media become ``<media>``, special
        tokens are removed, and what a model never sees in training is not taken.

        Returns:
            Whether the message was taken (system events, deletion notices and
            messages left empty are not).
        """
        if message.kind in _IGNORED_KINDS or message.author is None:
            logger.debug("ignored a %s message", message.kind.value)
            return False
        shown = next(renderable((message,)), None)
        if shown is None:
            logger.debug("ignored an empty %s message", message.kind.value)
            return False
        author = self.aliases.resolve(message.author)
        message = shown
        if author != message.author:
            message = evolve(message, author=author)
        if self._entries and self.merger.continues(self._entries[-1], message):
            self._entries[-1] = self.merger.append(self._entries[-1], message)
            if self.max_tokens is not None:
                self._tokens[-1] = self._count(self._entries[-1].text)
        else:
            self._entries.append(self.merger.start(message))
            if self.max_tokens is not None:
                self._tokens.append(self._count(message.text))
        if self._last_at is None or message.sent_at > self._last_at:
            self._last_at = message.sent_at
        self._trim()
        return True

    def ready_to_reply(self, now: dt.datetime) -> bool:
        """
        Whether the persona should answer at *now*.

        True only when something new was said since the persona last spoke and
        the latest message is at least the quiet window old.
        """
        if not self.pending or self._last_at is None:
            return False
        return dt.datetime.__sub__(now, self._last_at) >= self.quiet

    def wait(self, now: dt.datetime) -> dt.timedelta:
        """How long from *now* until the quiet window has passed (zero if it has)."""
        if self._last_at is None:
            return dt.timedelta(0)
        left = self.quiet - dt.datetime.__sub__(now, self._last_at)
        return max(left, dt.timedelta(0))

    def drop(self, predicate: Callable[[Turn], bool]) -> int:
        """
        Remove every entry for which *predicate* is true.

        Neighbours that then belong together (same speaker) merge as *merger*
        would have merged them.

        Returns:
            How many entries were removed.
        """
        kept = [turn for turn in self._entries if not predicate(turn)]
        removed = len(self._entries) - len(kept)
        if removed:
            self._entries = []
            self._tokens = []
            last_at = self._last_at
            for turn in kept:
                for message in turn.messages:
                    self.add(message)
            self._last_at = last_at
        return removed

    def reset(self) -> None:
        """Forget the conversation (the settings stay)."""
        self._entries.clear()
        self._tokens.clear()
        self._last_at = None

    def to_json(self) -> str:
        """
        Return the buffer as JSON, to restore it with `from_json` after a restart.

        The alias map and the token counter are configuration, not memory: they
        are not saved; pass them to `from_json` again.
        """
        state = _BufferState(
            version=_FORMAT_VERSION,
            persona=self.persona,
            max_entries=self.max_entries,
            quiet=self.quiet,
            max_tokens=self.max_tokens,
            merger=_MergerState(joiner=self.merger.joiner, within=self.merger.within),
            entries=self.entries,
            last_at=self._last_at,
        )
        return json.dumps(converter.unstructure(state), ensure_ascii=False)

    @classmethod
    def from_json(
        cls,
        text: str,
        *,
        aliases: ParticipantResolver | None = None,
        token_counter: _TokenCounter | None = None,
    ) -> ConversationBuffer:
        """
        Restore a buffer saved by `to_json`.

        Args:
            text: The saved JSON.
            aliases: The alias map to use from now on.
            token_counter: The token counter to use from now on.

        Raises:
            ConfigError: *text* is not a saved buffer of a known version.
        """
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as error:
            msg = f"saved buffer: expected JSON, found {excerpt(text)} ({error})"
            raise ConfigError(msg) from error
        version = raw.get("version") if isinstance(raw, dict) else None
        if version != _FORMAT_VERSION:
            msg = f"saved buffer: expected version {_FORMAT_VERSION}, found {version!r}"
            raise ConfigError(msg)
        try:
            state = converter.structure(raw, _BufferState)
        except Exception as error:
            msg = f"saved buffer: expected a saved conversation, found {error}"
            raise ConfigError(msg) from error
        buffer = cls(
            state.persona,
            max_entries=state.max_entries,
            quiet=state.quiet,
            max_tokens=state.max_tokens,
            token_counter=token_counter,
            merger=Merger(joiner=state.merger.joiner, within=state.merger.within),
            aliases=aliases if aliases is not None else AliasMap(),
        )
        buffer._entries = list(state.entries)
        if buffer.max_tokens is not None:
            buffer._tokens = [buffer._count(turn.text) for turn in buffer._entries]
        buffer._last_at = state.last_at
        return buffer

    def _count(self, text: str) -> int:
        counter = self.token_counter if self.token_counter is not None else _ESTIMATE
        return counter.count(text)

    def _trim(self) -> None:
        excess = len(self._entries) - self.max_entries
        if excess > 0:
            del self._entries[:excess]
            if self.max_tokens is not None:
                del self._tokens[:excess]
        if self.max_tokens is not None:
            total = sum(self._tokens)
            while len(self._entries) > 1 and total > self.max_tokens:
                total -= self._tokens.pop(0)
                self._entries.pop(0)


_ESTIMATE = EstimatingCounter()

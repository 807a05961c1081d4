"""
`Responder`: the clone in a live chat.

It feeds incoming messages into one `ConversationBuffer` per chat, waits for the
chat to go quiet, asks the model through the ``openai`` SDK (any
OpenAI-compatible endpoint) and sends the reply, line by line, through an
injected ``send`` coroutine function. A `LoopGuard` keeps it from repeating
itself; endpoint failures are retried with a bounded back-off and never reach
the chat.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
import os
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import TYPE_CHECKING, Any, cast

import openai
import pendulum
from attrs import define, evolve, field, frozen

from ..api_key import check_api_key
from ..clock import Clock, SystemClock, system_async_sleep
from ..conversation.merger import Merger
from ..dataset.rendering import ChatRenderer, LegacyRenderer
from ..durations import to_duration
from ..errors import ConfigError, excerpt
from ..message import Message
from ..retry import Backoff, is_refused, is_transient
from ..session import Turn
from .buffer import ConversationBuffer
from .loop_guard import Intervention, LoopGuard, LoopPolicy, Repetition
from .moderation import Moderator
from .privacy import LivePrivacy


if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam

__all__ = ["Backoff", "EndpointOutcome", "Responder", "Send", "Typing", "connect"]

logger = logging.getLogger(__name__)

Send = Callable[[str, str], Awaitable[None]]
"""``await send(chat, text)``: posts *text* as one message in *chat*."""

Typing = Callable[[str], AbstractAsyncContextManager[None]]
"""``async with typing(chat):`` shows that the persona is writing in *chat*."""

AsyncSleep = Callable[[float], Awaitable[None]]

_MAX_WAITS = 100  # re-checks of the quiet window before answering anyway


def connect(
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    timeout: float = 60.0,
    http_client: Any = None,
) -> openai.AsyncOpenAI:
    """
    Return an ``openai.AsyncOpenAI`` client for a `Responder`.

    Settings not given come from the SDK's environment variables
    (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``, ...). The SDK's own retries are
    off: the responder retries with its own back-off, through its injected sleep.
    A local endpoint (vLLM, Ollama, llama.cpp) given by *base_url* needs no key;
    ``OPENAI_API_KEY`` is still sent to it when set (Azure, proxies, hosted
    compatible services need it).

    Args:
        base_url: The endpoint, e.g. ``http://127.0.0.1:11434/v1``.
        api_key: The key (default ``OPENAI_API_KEY``).
        timeout: Seconds to wait for one answer.
        http_client: An ``httpx2.AsyncClient`` to use (tests pass one over a mock
            transport).

    Raises:
        ConfigError: No key is given or set, and no *base_url* either; or the
            key holds a character no key has (see `persona_clone.api_key`).
    """
    options: dict[str, Any] = {"max_retries": 0, "timeout": timeout}
    if api_key is None:
        api_key = os.environ.get("OPENAI_API_KEY") or None
    if api_key is not None:
        check_api_key(api_key)
    if base_url is not None:
        options["base_url"] = base_url
        # a compatible service may want the key; local servers ignore it, the SDK wants one
        api_key = api_key or "unused"
    elif api_key is None:
        msg = (
            "model endpoint: expected an API key in OPENAI_API_KEY, or the --base-url "
            "of a server that needs none (vLLM, Ollama, llama.cpp); found neither"
        )
        raise ConfigError(msg)
    if http_client is not None:
        options["http_client"] = http_client
    return openai.AsyncOpenAI(api_key=api_key, **options)


def _describe(error: openai.OpenAIError) -> str:
    """Say what went wrong, naming the URL when the endpoint could not be reached."""
    status = getattr(error, "status_code", None)
    if status:
        return f"{type(error).__name__} {status}"
    if isinstance(error, openai.APIConnectionError):
        url = str(error.request.url).split("?", 1)[0]
        if is_refused(error):
            return f"connection refused by {url}"
        return f"{type(error).__name__} at {url}"
    return type(error).__name__


@frozen(kw_only=True)
class EndpointOutcome:
    """
    How the model endpoint has answered a `Responder` so far.

    Args:
        answered: Replies the endpoint gave (whether sent or held back).
        failed: Replies given up after the endpoint failed or refused.
        last_failure: What went wrong the last time, without chat text.
    """

    answered: int = 0
    failed: int = 0
    last_failure: str | None = None

    @property
    def unreachable(self) -> bool:
        """Whether every request failed: the model could not be reached at all."""
        return self.failed > 0 and self.answered == 0


def _drop_replies(buffer: ConversationBuffer, texts: set[str]) -> int:
    """Remove the persona's entries whose text is one of *texts*."""
    return buffer.drop(lambda turn: buffer.is_persona(turn.author) and turn.text in texts)


@define(kw_only=True)
class Responder:
    """
    Answers in live chats as the persona, once each chat goes quiet.

    Each chat (channel, group) has its own `ConversationBuffer`. Every incoming
    message restarts that chat's wait; when the quiet window has passed and
    someone said something new, the responder renders the buffer with
    *renderer* (the dataset's renderer: chat completions for a `ChatRenderer`,
    completions with the renderer's stop marker for a `LegacyRenderer`), checks
    the reply with *guard*, and sends it (one message per line when
    *split_lines*, *line_delay* apart).

    What leaves the machine passes *privacy* first: messages of people who
    opted out are never kept (so never sent to the model), personal data in
    the others' messages and in the clone's replies is replaced by
    placeholders. A *moderator*, when given, sees each reply before it is
    sent; a flagged reply is not sent, and the log says why.

    Args:
        client: The ``openai.AsyncOpenAI`` client (see `connect`).
        model: The model name (``ft:...`` or a local model).
        renderer: How conversations are rendered, as in training.
        send: ``await send(chat, text)`` posts one message.
        quiet: How long a chat must be quiet before the clone answers.
        max_entries: Most entries in each chat's buffer.
        merger: How consecutive messages merge (as in training).
        buffer_factory: Makes the buffer of a new chat (overrides *quiet*,
            *max_entries* and *merger*; for a token bound, for instance).
        guard: The loop guard and its policy.
        clock: Tells the time.
        sleep: Waits, as a coroutine (tests inject a fake).
        split_lines: Send each line of a reply as its own message.
        line_delay: Pause between the messages of one reply.
        max_reply_tokens: Longest reply, in tokens.
        temperature: Sampling temperature (default: the endpoint's).
        backoff: Retries after endpoint failures (which failures and how long to
            wait: the project's one retry policy, `persona_clone.retry`).
        typing: ``async with typing(chat):`` around writing a reply, to show a
            typing indicator in chats that have one (``None``: nothing shown).
        privacy: Who is left out and what is redacted, both ways (default:
            personal data redacted, nobody left out).
        moderator: Checks each reply before it is sent (``None``: no moderation).

    .. versionadded:: 0.1.0
    """

    client: openai.AsyncOpenAI
    model: str
    renderer: ChatRenderer | LegacyRenderer
    send: Send
    quiet: pendulum.Duration = field(
        factory=lambda: pendulum.duration(seconds=25), converter=to_duration
    )
    max_entries: int = 20
    merger: Merger = field(factory=Merger)
    buffer_factory: Callable[[], ConversationBuffer] | None = None
    guard: LoopGuard = field(factory=LoopGuard)
    clock: Clock = field(factory=SystemClock)
    sleep: AsyncSleep = system_async_sleep
    split_lines: bool = True
    line_delay: pendulum.Duration = field(
        factory=lambda: pendulum.duration(seconds=1.5), converter=to_duration
    )
    max_reply_tokens: int = 256
    temperature: float | None = None
    backoff: Backoff = field(factory=Backoff)
    typing: Typing | None = None
    privacy: LivePrivacy = field(factory=LivePrivacy)
    moderator: Moderator | None = None
    _outcome: EndpointOutcome = field(factory=EndpointOutcome, init=False)
    _sent: dict[str, list[str]] = field(factory=dict, init=False)
    _buffers: dict[str, ConversationBuffer] = field(factory=dict, init=False)
    _waiters: dict[str, asyncio.Task[None]] = field(factory=dict, init=False)
    _replying: set[asyncio.Task[None]] = field(factory=set, init=False)
    _locks: dict[str, asyncio.Lock] = field(factory=dict, init=False)
    _answered: set[str] = field(factory=set, init=False)
    _ids: Iterator[int] = field(factory=lambda: itertools.count(1), init=False)

    def __attrs_post_init__(self) -> None:
        if self.backoff.attempts < 1:
            msg = f"backoff: expected at least 1 attempt, found {self.backoff.attempts}"
            raise ConfigError(msg)

    # --- buffers ------------------------------------------------------------

    def buffer(self, chat: str) -> ConversationBuffer:
        """Return the buffer of *chat*, creating it on first use."""
        found = self._buffers.get(chat)
        if found is None:
            found = self._new_buffer()
            self._buffers[chat] = found
        return found

    @property
    def outcome(self) -> EndpointOutcome:
        """How the model endpoint has answered so far (for an exit status, a health check)."""
        return self._outcome

    @property
    def buffers(self) -> dict[str, ConversationBuffer]:
        """Every chat's buffer, by chat (a copy of the mapping, to save them)."""
        return dict(self._buffers)

    def restore(self, chat: str, buffer: ConversationBuffer) -> None:
        """Use *buffer* (for instance restored from JSON) as the memory of *chat*."""
        self._buffers[chat] = buffer
        self._sent.pop(chat, None)

    def reset(self, chat: str) -> None:
        """Forget the conversation of *chat* and any reply waiting for it."""
        self._cancel_waiter(chat)
        self.buffer(chat).reset()
        self._sent.pop(chat, None)

    # --- events -------------------------------------------------------------

    async def receive(self, chat: str, message: Message, *, reply: bool = True) -> None:
        """
        Take *message*, said in *chat*, and (re)start the wait for a reply.

        Returns at once: the reply comes later, from a task.

        Args:
            chat: Which chat (channel, group) it was said in.
            message: What was said.
            reply: Whether this message calls for a reply; with ``False`` it is
                only remembered (and restarts a wait already under way).
        """
        shown = self.privacy.incoming(message)
        if shown is None:
            return
        buffer = self.buffer(chat)
        if not buffer.add(shown):
            return
        self._answered.discard(chat)
        waiting = chat in self._waiters
        self._cancel_waiter(chat)
        if buffer.pending and (reply or waiting):
            task = asyncio.get_running_loop().create_task(self._wait_then_reply(chat))
            self._waiters[chat] = task

    async def flush(self) -> None:
        """
        Answer every chat that has something new now, without waiting for quiet.

        A chat whose last attempt failed (or was held back by the loop guard) is
        not asked again until someone says something new.
        """
        for chat in list(self._waiters):
            self._cancel_waiter(chat)
        await self.wait_idle()
        for chat, buffer in list(self._buffers.items()):
            if buffer.pending and chat not in self._answered:
                await self._reply(chat)

    async def wait_idle(self) -> None:
        """Wait until no reply is scheduled or being written."""
        while True:
            tasks = [*self._waiters.values(), *self._replying]
            if not tasks:
                return
            await asyncio.gather(*tasks, return_exceptions=True)

    async def aclose(self) -> None:
        """Cancel every scheduled reply and wait for replies being sent."""
        for chat in list(self._waiters):
            self._cancel_waiter(chat)
        await self.wait_idle()

    # --- internals ----------------------------------------------------------

    def _new_buffer(self) -> ConversationBuffer:
        if self.buffer_factory is not None:
            return self.buffer_factory()
        return ConversationBuffer(
            self.renderer.persona,
            max_entries=self.max_entries,
            quiet=self.quiet,
            merger=self.merger,
            aliases=self.renderer.aliases,
        )

    def _cancel_waiter(self, chat: str) -> None:
        task = self._waiters.pop(chat, None)
        if task is not None:
            task.cancel()

    async def _wait_then_reply(self, chat: str) -> None:
        buffer = self.buffer(chat)
        for _ in range(_MAX_WAITS):
            wait = buffer.wait(self.clock.now())
            if wait <= dt.timedelta(0):
                break
            await self.sleep(wait.total_seconds())
        task = asyncio.current_task()
        if task is not None and self._waiters.get(chat) is task:
            # From here on a new message schedules a new wait instead of
            # cancelling a reply half sent.
            del self._waiters[chat]
            self._replying.add(task)
            task.add_done_callback(self._replying.discard)
        if buffer.pending:
            await self._reply(chat)

    async def _reply(self, chat: str) -> None:
        lock = self._locks.setdefault(chat, asyncio.Lock())
        async with lock:
            buffer = self.buffer(chat)
            if not buffer.pending:
                return
            self._answered.add(chat)
            try:
                showing: AbstractAsyncContextManager[None] = (
                    nullcontext() if self.typing is None else self.typing(chat)
                )
                async with showing:
                    text = await self._compose(chat, buffer)
                    if text is not None:
                        text = await self._release(chat, text)
                if text is not None:
                    await self._deliver(chat, buffer, text)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug must not stop the bot; it is logged in full
                logger.exception("reply in chat %r failed", chat)

    async def _release(self, chat: str, text: str) -> str | None:
        """Return *text* redacted, or ``None`` when moderation holds it back."""
        text = self.privacy.outgoing(text)
        if self.moderator is None:
            return text
        verdict = await self.moderator.moderate(text)
        if not verdict.flagged:
            return text
        logger.warning(
            "reply in chat %r not sent: moderation flagged it (%s)",
            chat,
            ", ".join(verdict.reasons) or "no reason given",
        )
        return None

    async def _compose(self, chat: str, buffer: ConversationBuffer) -> str | None:
        guard = self.guard
        attempt = 1
        dropped = False
        # every attempt is checked against the replies the persona sent, not the
        # buffer: after DROP removes repeated replies, a new repeat must still count
        history = list(self._sent_replies(chat, buffer))
        while True:
            penalties = guard.penalties(attempt) if guard.policy is LoopPolicy.REGENERATE else {}
            text = await self._generate(chat, buffer.entries, penalties)
            if text is None:
                return None
            if not text:
                logger.info("model gave an empty reply in chat %r; staying quiet", chat)
                return None
            repetition = guard.check(text, history)
            if repetition is None:
                return text
            if guard.policy is LoopPolicy.OFF:
                self._intervene(chat, repetition, "sent anyway (guard off)", attempt)
                return text
            if guard.policy is LoopPolicy.REGENERATE and attempt < guard.max_attempts:
                self._intervene(chat, repetition, "regenerating with higher penalties", attempt)
            elif guard.policy is LoopPolicy.DROP and not dropped:
                removed = _drop_replies(buffer, {history[index] for index in repetition.matches})
                self._intervene(
                    chat,
                    repetition,
                    f"dropped {removed} repeated replies; asking again",
                    attempt,
                )
                dropped = True
            else:
                self._intervene(chat, repetition, "stayed silent", attempt)
                return None
            attempt += 1

    def _sent_replies(self, chat: str, buffer: ConversationBuffer) -> list[str]:
        """The persona's recent replies in *chat*, oldest first (from its buffer at first)."""
        found = self._sent.get(chat)
        if found is None:
            found = [t.text for t in buffer.entries if buffer.is_persona(t.author)]
            self._sent[chat] = found
        return found

    def _intervene(self, chat: str, repetition: Repetition, action: str, attempt: int) -> None:
        self.guard.record(
            Intervention(
                chat=chat,
                at=self.clock.now(),
                policy=self.guard.policy,
                repetition=repetition,
                action=action,
                attempt=attempt,
            )
        )

    async def _generate(
        self, chat: str, entries: Sequence[Turn], penalties: dict[str, float]
    ) -> str | None:
        attempt = 0
        while True:
            attempt += 1
            outcome = await self._try(entries, penalties)
            if not isinstance(outcome, openai.OpenAIError):
                self._outcome = evolve(self._outcome, answered=self._outcome.answered + 1)
                return outcome
            delay = self._next_delay(chat, outcome, attempt)
            if delay is None:
                self._outcome = evolve(
                    self._outcome, failed=self._outcome.failed + 1, last_failure=_describe(outcome)
                )
                return None
            await self.sleep(delay)

    async def _try(
        self, entries: Sequence[Turn], penalties: dict[str, float]
    ) -> str | openai.OpenAIError:
        try:
            return await self._request(entries, penalties)
        except openai.OpenAIError as error:
            return error

    def _next_delay(
        self,
        chat: str,
        error: openai.OpenAIError,
        attempt: int,
    ) -> float | None:
        reason = _describe(error)
        if not is_transient(error):
            logger.error(
                "model request failed in chat %r (%s: %s), not worth retrying; staying quiet",
                chat,
                reason,
                excerpt(str(error), 160),
            )
            return None
        if not self.backoff.allows(attempt):
            logger.error(
                "model endpoint failed %d times in chat %r (last: %s); staying quiet",
                attempt,
                chat,
                reason,
            )
            return None
        delay = self.backoff.delay(error, attempt)
        logger.warning(
            "model endpoint failed in chat %r (%s); retrying in %.1f s",
            chat,
            reason,
            delay,
        )
        return delay

    async def _request(self, entries: Sequence[Turn], penalties: dict[str, float]) -> str:
        options: dict[str, Any] = {"max_tokens": self.max_reply_tokens, **penalties}
        if self.temperature is not None:
            options["temperature"] = self.temperature
        renderer = self.renderer
        if isinstance(renderer, LegacyRenderer):
            completion = await self.client.completions.create(
                model=self.model,
                prompt=renderer.prompt(entries),
                stop=[renderer.stop],
                **options,
            )
            text = completion.choices[0].text if completion.choices else ""
            return text.split(renderer.stop, 1)[0].strip()
        messages = cast("list[ChatCompletionMessageParam]", renderer.messages(entries))
        chat_completion = await self.client.chat.completions.create(
            model=self.model, messages=messages, **options
        )
        if not chat_completion.choices:
            return ""
        return (chat_completion.choices[0].message.content or "").strip()

    async def _deliver(self, chat: str, buffer: ConversationBuffer, text: str) -> None:
        sent = self._sent_replies(chat, buffer)
        if self.split_lines:
            parts = [line.strip() for line in text.splitlines() if line.strip()]
        else:
            parts = [text]
        for index, part in enumerate(parts):
            if index:
                await self.sleep(self.line_delay.total_seconds())
            await self.send(chat, part)
            buffer.add(
                Message(
                    id=f"{buffer.persona.id}:reply:{next(self._ids)}",
                    sent_at=self.clock.now(),
                    author=buffer.persona,
                    text=part,
                )
            )
        sent.append(self.merger.joiner.join(parts))
        del sent[: -2 * self.guard.window]
        logger.info("replied in chat %r with %d message(s)", chat, len(parts))

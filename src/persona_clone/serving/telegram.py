"""
The clone on Telegram: updates in, buffer entries out, replies back.

`TelegramAdapter` holds the logic (which chats, who speaks, how mentions read,
what a private message gets) and works on small protocols that mirror the
attributes of ``telegram.Message``, so it is tested with constructed updates,
without network and without ``python-telegram-bot``. `run_telegram_bot` wires
it to a real ``telegram.ext.Application`` with long polling (install the
``telegram`` extra).

People are the participants a Telegram Desktop export names: ``user<id>`` with
their display name, so the dataset's ``names.json`` and alias map apply as they
did in training.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import importlib
import itertools
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Final, Protocol

import pendulum
from attrs import define, field

from ..errors import ConfigError
from ..message import Message, MessageKind, Participant
from .responder import Responder


__all__ = [
    "DEFAULT_API_BASE",
    "TelegramAdapter",
    "TelegramChat",
    "TelegramMessage",
    "TelegramUser",
    "run_telegram_bot",
]

logger = logging.getLogger(__name__)

DEFAULT_API_BASE: Final = "https://api.telegram.org"
"""The Bot API server; ``{api_base}/bot<token>/<method>`` is called."""

_GROUPS: Final = frozenset({"group", "supergroup"})
_TYPING_EVERY: Final = 4.0  # seconds: Telegram shows "typing" for five after each action
_MAX_TRIES: Final = 3


class TelegramUser(Protocol):
    """The attributes of ``telegram.User`` the adapter reads."""

    @property
    def id(self) -> int:
        """The user's id."""
        ...

    @property
    def is_bot(self) -> bool:
        """Whether the user is a bot."""
        ...

    @property
    def full_name(self) -> str:
        """First and last name."""
        ...

    @property
    def username(self) -> str | None:
        """The @username, without the @."""
        ...


class TelegramChat(Protocol):
    """The attributes of ``telegram.Chat`` the adapter reads."""

    @property
    def id(self) -> int:
        """The chat's id (negative for groups)."""
        ...

    @property
    def type(self) -> str:
        """``private``, ``group``, ``supergroup`` or ``channel``."""
        ...


class TelegramMessage(Protocol):
    """The attributes of ``telegram.Message`` the adapter reads."""

    @property
    def message_id(self) -> int:
        """The message's id within its chat."""
        ...

    @property
    def date(self) -> dt.datetime:
        """When it was sent (aware, UTC)."""
        ...

    @property
    def chat(self) -> TelegramChat:
        """Where it was sent."""
        ...

    @property
    def from_user(self) -> TelegramUser | None:
        """Who sent it (``None`` for posts on behalf of a channel)."""
        ...

    @property
    def text(self) -> str | None:
        """Its text."""
        ...

    @property
    def caption(self) -> str | None:
        """The caption of a photo, video or file."""
        ...

    @property
    def reply_to_message(self) -> TelegramMessage | None:
        """The message it answers."""
        ...


def _private_notice(persona: str) -> str:
    return (
        f"I am a chat bot that writes like {persona} in group chats (persona-clone). "
        "I do not answer private messages, and I keep nothing you write here."
    )


@define(kw_only=True)
class TelegramAdapter:
    """
    Turns Telegram messages into buffer entries for a `Responder`.

    Every group chat it takes part in has its own buffer. Its own messages and
    other bots' are ignored; so are chats not in *chats* (when given) and
    channels. A private message is never remembered: the sender is told what
    the bot is (`private_notice`). ``@username`` of the bot reads as
    ``@Persona``, as people wrote the persona's name in the exported chats.

    Args:
        responder: Answers the chats.
        chats: Ids of the group chats to take part in (empty: every group the
            bot is a member of).
        mentions_only: Listen to everything but answer only after a message
            that mentions the bot or replies to one of its messages.
        bot_id: The bot's own user id (set by `run_telegram_bot` once logged in).
        bot_username: The bot's @username, without the @.
        private_notice: What a person who writes to the bot privately is told
            (default: what the bot is, and that it does not answer there).

    .. versionadded:: 0.2.0
    """

    responder: Responder
    chats: frozenset[int] = frozenset()
    mentions_only: bool = False
    bot_id: int | None = None
    bot_username: str | None = None
    private_notice: str | None = None
    _own: set[tuple[int, int]] = field(factory=set, init=False)

    @property
    def notice(self) -> str:
        """What a private message is answered with."""
        if self.private_notice is not None:
            return self.private_notice
        return _private_notice(self.responder.renderer.persona.name)

    def takes_part_in(self, chat: TelegramChat) -> bool:
        """Whether the clone talks in *chat*."""
        return chat.type in _GROUPS and (not self.chats or chat.id in self.chats)

    def sent(self, chat: int, message_id: int) -> None:
        """Remember that the bot itself sent *message_id* in *chat* (for replies to it)."""
        self._own.add((chat, message_id))

    async def on_message(self, event: TelegramMessage) -> str | None:
        """
        Take one Telegram message; return the answer for a private chat, if any.

        Returns ``None`` for every message of a group chat: their replies come
        later, through the responder, once the chat is quiet.
        """
        author = event.from_user
        if author is None or author.is_bot:
            if author is not None and author.id == self.bot_id:
                self.sent(event.chat.id, event.message_id)
            return None
        if event.chat.type == "private":
            return self.notice
        if not self.takes_part_in(event.chat):
            return None
        message = self.to_message(event)
        if message is None:
            return None
        reply = not self.mentions_only or self.addresses_bot(event)
        await self.responder.receive(str(event.chat.id), message, reply=reply)
        return None

    def addresses_bot(self, event: TelegramMessage) -> bool:
        """Whether *event* mentions the bot or replies to one of its messages."""
        text = event.text or event.caption or ""
        if self.bot_username and re.search(
            rf"@{re.escape(self.bot_username)}\b", text, re.IGNORECASE
        ):
            return True
        answered = event.reply_to_message
        if answered is None:
            return False
        sender = answered.from_user
        own = sender is not None and sender.id == self.bot_id
        return own or (event.chat.id, answered.message_id) in self._own

    def to_message(self, event: TelegramMessage) -> Message | None:
        """Return *event* as a `Message` (``None`` when it has no text and no caption)."""
        author = event.from_user
        if author is None:
            return None
        text = (event.text or event.caption or "").strip()
        if not text:
            return None
        if self.bot_username:
            persona = self.responder.renderer.persona.name
            text = re.sub(
                rf"@{re.escape(self.bot_username)}\b", f"@{persona}", text, flags=re.IGNORECASE
            )
        answered = event.reply_to_message
        return Message(
            id=f"{event.chat.id}:{event.message_id}",
            sent_at=pendulum.instance(event.date),
            author=Participant(id=f"user{author.id}", name=author.full_name),
            text=text,
            kind=MessageKind.TEXT,
            reply_to=None if answered is None else f"{event.chat.id}:{answered.message_id}",
        )


@define(kw_only=True)
class _Wiring:
    """The adapter's side of a running bot: sending, typing, taking updates."""

    adapter: TelegramAdapter
    bot: Any
    errors: Any
    sleep: Callable[[float], Awaitable[Any]]

    async def call(self, what: str, action: Callable[[], Awaitable[Any]]) -> Any:
        """Run *action*, waiting as told and trying again after a 429."""
        for attempt in itertools.count(1):
            try:
                return await action()
            except self.errors.RetryAfter as error:  # noqa: PERF203 - rare
                wait = error.retry_after
                seconds = wait.total_seconds() if isinstance(wait, dt.timedelta) else float(wait)
                logger.warning("Telegram asked to wait %.1f s before %s", seconds, what)
                if attempt == _MAX_TRIES:
                    raise
                await self.sleep(seconds)
        return None  # pragma: no cover - the loop returns or raises

    async def send(self, chat: str, text: str) -> None:
        """Post *text* in *chat* as the bot."""
        sent = await self.call(
            "sending", lambda: self.bot.send_message(chat_id=int(chat), text=text)
        )
        if sent is not None:
            self.adapter.sent(int(chat), sent.message_id)

    @contextlib.asynccontextmanager
    async def typing(self, chat: str) -> AsyncIterator[None]:
        """Show "typing" in *chat* until the block ends."""

        async def keep_typing() -> None:
            while True:
                with contextlib.suppress(self.errors.TelegramError):
                    await self.bot.send_chat_action(chat_id=int(chat), action="typing")
                await asyncio.sleep(_TYPING_EVERY)

        task = asyncio.get_running_loop().create_task(keep_typing())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def on_update(self, update: Any, _context: Any) -> None:
        """Take one update from the poller."""
        event = update.message
        if event is None:
            return
        notice = await self.adapter.on_message(event)
        if notice is not None:
            await self.call("answering privately", lambda: event.reply_text(notice))


def _library() -> tuple[Any, Any]:
    try:
        ext = importlib.import_module("telegram.ext")
        errors = importlib.import_module("telegram.error")
    except ImportError as error:
        msg = "the Telegram bot needs python-telegram-bot: pip install 'persona-clone[telegram]'"
        raise ConfigError(msg) from error
    return ext, errors


async def run_telegram_bot(
    adapter: TelegramAdapter,
    token: str,
    *,
    api_base: str = DEFAULT_API_BASE,
    poll_timeout: int = 30,
    ready: Callable[[], None] | None = None,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> None:
    """
    Run the adapter as a Telegram bot (long polling) until it is cancelled.

    Needs ``python-telegram-bot`` (``pip install 'persona-clone[telegram]'``).
    In groups the bot must see every message: turn its *privacy mode* off with
    @BotFather (``/setprivacy``), or make it an admin, before adding it. It
    shows "typing" while the model writes, and waits as told after a 429.

    Args:
        adapter: Turns updates into buffer entries for its responder.
        token: The bot token from @BotFather.
        api_base: The Bot API server (a self-hosted one, a test's fake).
        poll_timeout: Seconds one long poll waits for updates.
        ready: Called once the bot knows itself and polls.
        sleep: Waits, as a coroutine (after a 429, before trying again).

    Raises:
        ConfigError: ``python-telegram-bot`` is not installed, or the server at
            *api_base* does not answer or refuses the token.
    """
    ext, errors = _library()
    base = api_base.rstrip("/")
    # the poller confirms the last updates on a second connection while it stops: with
    # one, that call waits for the pool behind the long poll being cancelled and fails
    builder = ext.ApplicationBuilder().token(token).base_url(f"{base}/bot")
    builder = builder.get_updates_connection_pool_size(2)
    application = builder.base_file_url(f"{base}/file/bot").build()
    wiring = _Wiring(adapter=adapter, bot=application.bot, errors=errors, sleep=sleep)
    adapter.responder.send = wiring.send
    adapter.responder.typing = wiring.typing
    update_type = importlib.import_module("telegram").Update
    application.add_handler(ext.TypeHandler(update_type, wiring.on_update))
    try:
        await application.initialize()
    except errors.InvalidToken as error:
        msg = f"{base}: the Bot API server refused the bot token (ask @BotFather for a new one)"
        raise ConfigError(msg) from error
    except errors.NetworkError as error:
        # the library's messages can carry the token (it is part of every URL)
        found = str(error).replace(token, "<token>")
        msg = f"{base}: expected a Telegram Bot API server, found {found}"
        raise ConfigError(msg) from error
    adapter.bot_id = application.bot.id
    adapter.bot_username = application.bot.username
    logger.info("logged in to Telegram as @%s", adapter.bot_username)
    try:
        await application.start()
        await application.updater.start_polling(timeout=poll_timeout, allowed_updates=["message"])
        if ready is not None:
            ready()
        await asyncio.Event().wait()  # until cancelled
    finally:
        await _stop(application, adapter.responder)


async def _stop(application: Any, responder: Responder) -> None:
    with contextlib.suppress(Exception):
        if application.updater.running:
            await application.updater.stop()
    await responder.aclose()  # replies being sent finish while the bot can still send
    with contextlib.suppress(Exception):
        if application.running:
            await application.stop()
    await application.shutdown()

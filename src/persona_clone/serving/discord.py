"""
The clone on Discord: events in, buffer entries out, replies back.

`DiscordAdapter` holds the logic (which messages count, how mentions read, which
chats) and works on small protocols that mirror the attributes of
``discord.Message``, so it is tested with constructed events, without network
and without ``discord.py``. `run_bot` wires it to a real ``discord.Client``
(install the ``discord`` extra).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import json
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, Final, Protocol

import pendulum
from attrs import define, evolve, field

from ..errors import ConfigError, excerpt
from ..message import Attachment, Message, MessageKind, Participant
from .memory import load_memory, save_memory
from .responder import Responder


__all__ = [
    "DEFAULT_API_BASE",
    "DiscordAdapter",
    "DiscordMessage",
    "gateway_url",
    "load_memory",
    "run_bot",
    "save_memory",
]

logger = logging.getLogger(__name__)

_MENTION = re.compile(r"<@!?(\d+)>")


class DiscordUser(Protocol):
    """The attributes of ``discord.User`` / ``discord.Member`` the adapter reads."""

    @property
    def id(self) -> int:
        """The user's snowflake id."""
        ...

    @property
    def display_name(self) -> str:
        """The name shown in the channel (nickname, else global name)."""
        ...

    @property
    def bot(self) -> bool:
        """Whether the user is a bot."""
        ...


class DiscordChannel(Protocol):
    """The attributes of a Discord channel the adapter reads."""

    @property
    def id(self) -> int:
        """The channel's snowflake id."""
        ...


class DiscordAttachment(Protocol):
    """The attributes of ``discord.Attachment`` the adapter reads."""

    @property
    def filename(self) -> str:
        """The file's name."""
        ...

    @property
    def url(self) -> str:
        """Where the file is."""
        ...

    @property
    def content_type(self) -> str | None:
        """Its MIME type, if known."""
        ...

    @property
    def size(self) -> int:
        """Its size in bytes."""
        ...


class DiscordReference(Protocol):
    """The attributes of ``discord.MessageReference`` the adapter reads."""

    @property
    def message_id(self) -> int | None:
        """The id of the message replied to."""
        ...


class DiscordMessage(Protocol):
    """The attributes of ``discord.Message`` the adapter reads."""

    @property
    def id(self) -> int:
        """The message's snowflake id."""
        ...

    @property
    def content(self) -> str:
        """The raw text, mentions as ``<@id>``."""
        ...

    @property
    def created_at(self) -> dt.datetime:
        """When it was sent (aware, UTC)."""
        ...

    @property
    def author(self) -> DiscordUser:
        """Who sent it."""
        ...

    @property
    def channel(self) -> DiscordChannel:
        """Where it was sent."""
        ...

    @property
    def mentions(self) -> Sequence[DiscordUser]:
        """The users it mentions."""
        ...

    @property
    def attachments(self) -> Sequence[DiscordAttachment]:
        """The files attached."""
        ...

    @property
    def reference(self) -> DiscordReference | None:
        """The message it replies to, if any."""
        ...


@define(kw_only=True)
class DiscordAdapter:
    """
    Turns Discord messages into buffer entries for a `Responder`.

    Every listed channel (and, if allowed, direct message) is one chat with its
    own buffer. Its own messages and other bots' are ignored. Mentions are
    written as ``@Name``, with the bot itself written as ``@Persona``, so the
    model sees the conversation as it saw chats in training. Messages with
    neither text nor files (embeds, stickers) are not conversation.

    Args:
        responder: Answers the chats.
        channels: Ids of the channels to take part in (empty: none but direct
            messages, if allowed).
        direct_messages: Whether to answer direct messages.
        mentions_only: Listen to everything but answer only after a message
            that mentions the bot (or replies to one of its messages).
        bot_id: The bot's own user id (set by `run_bot` once logged in).

    .. versionadded:: 0.1.0
    """

    responder: Responder
    channels: frozenset[int] = frozenset()
    direct_messages: bool = False
    mentions_only: bool = False
    bot_id: int | None = None
    _own: set[str] = field(factory=set, init=False)

    async def on_message(self, event: DiscordMessage, *, direct: bool = False) -> bool:
        """
        Take one Discord message; return whether it went into a buffer.

        Args:
            event: The message.
            direct: Whether it came as a direct message.
        """
        if self.bot_id is not None and event.author.id == self.bot_id:
            self._own.add(str(event.id))
            return False
        if event.author.bot:
            return False
        if not (event.channel.id in self.channels or (direct and self.direct_messages)):
            return False
        message = self.to_message(event)
        if message is None:
            return False
        reply = not self.mentions_only or direct or self.addresses_bot(event)
        await self.responder.receive(str(event.channel.id), message, reply=reply)
        return True

    def addresses_bot(self, event: DiscordMessage) -> bool:
        """Whether *event* mentions the bot or replies to one of its messages."""
        if self.bot_id is None:
            return False
        if any(user.id == self.bot_id for user in event.mentions):
            return True
        reference = event.reference
        return reference is not None and str(reference.message_id) in self._own

    def to_message(self, event: DiscordMessage) -> Message | None:
        """Return *event* as a `Message` (``None`` when it has no text and no files)."""
        text = self._text(event)
        attachments = tuple(
            Attachment(name=a.filename, url=a.url, content_type=a.content_type, size=a.size)
            for a in event.attachments
        )
        if not text and not attachments:
            return None
        reference = event.reference
        replied = None if reference is None else reference.message_id
        message = Message(
            id=str(event.id),
            sent_at=pendulum.instance(event.created_at),
            author=Participant(id=str(event.author.id), name=event.author.display_name),
            text=text or " ".join(a.name for a in attachments),
            kind=MessageKind.TEXT if text else MessageKind.MEDIA,
            reply_to=None if replied is None else str(replied),
        )
        if not attachments:
            return message
        files: dict[str, Any] = {"attachments": attachments}  # (attrs' converter typing)
        return evolve(message, **files)

    def _text(self, event: DiscordMessage) -> str:
        names = {user.id: user.display_name for user in event.mentions}
        persona = self.responder.renderer.persona.name

        def name(found: re.Match[str]) -> str:
            user = int(found[1])
            if user == self.bot_id:
                return f"@{persona}"
            return f"@{names[user]}" if user in names else found[0]

        return _MENTION.sub(name, event.content).strip()


DEFAULT_API_BASE: Final = "https://discord.com/api/v10"
"""Discord's REST base, version path included."""


async def gateway_url(api_base: str, *, timeout: float = 10.0) -> str:
    """
    Ask the REST API at *api_base* where its gateway is (``GET {api_base}/gateway``).

    Raises:
        ConfigError: Nothing answers at *api_base*, or not with a gateway URL.
    """
    aiohttp: Any = importlib.import_module("aiohttp")
    url = f"{api_base.rstrip('/')}/gateway"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
            session.get(url) as response,
        ):
            response.raise_for_status()
            body = await response.json()
    except (aiohttp.ClientError, TimeoutError, ValueError) as error:
        msg = f"{url}: expected a Discord API answering with its gateway URL, found {error!r}"
        raise ConfigError(msg) from error
    found = body.get("url") if isinstance(body, dict) else None
    if not isinstance(found, str) or not found.startswith(("ws://", "wss://")):
        msg = f"{url}: expected {{'url': 'wss://...'}}, found {excerpt(json.dumps(body))}"
        raise ConfigError(msg)
    return found


@contextlib.contextmanager
def _endpoints(discord: Any, api_base: str, gateway: str) -> Iterator[None]:
    # discord.py reads its REST base and its first gateway URL from two class
    # attributes and offers no setting for either; both are restored on exit.
    route, websocket = discord.http.Route, discord.gateway.DiscordWebSocket
    saved = route.BASE, websocket.DEFAULT_GATEWAY
    route.BASE = api_base.rstrip("/")
    websocket.DEFAULT_GATEWAY = importlib.import_module("yarl").URL(gateway)
    try:
        yield
    finally:
        route.BASE, websocket.DEFAULT_GATEWAY = saved


async def run_bot(
    adapter: DiscordAdapter,
    token: str,
    *,
    api_base: str = DEFAULT_API_BASE,
    ready: Callable[[], None] | None = None,
) -> None:
    """
    Run the adapter as a Discord bot until it is stopped (cancelled or closed).

    Needs ``discord.py`` (``pip install 'persona-clone[discord]'``) and the
    *Message Content* intent enabled for the bot. It shows the typing indicator
    in a channel while the model writes a reply there, and sends replies without
    pinging anyone.

    Args:
        adapter: Turns events into buffer entries for its responder.
        token: The bot token.
        api_base: Discord's REST base, version path included; another base (a
            self-hosted Discord-compatible server, a test's fake) is asked for
            its gateway URL, and the bot connects there.
        ready: Called once the bot is logged in and has its channels.

    Raises:
        ConfigError: ``discord.py`` is not installed, or *api_base* does not answer.
    """
    try:
        discord: Any = importlib.import_module("discord")
    except ImportError as error:
        msg = "the Discord bot needs discord.py: pip install 'persona-clone[discord]'"
        raise ConfigError(msg) from error
    endpoints: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
    if api_base.rstrip("/") != DEFAULT_API_BASE:
        endpoints = _endpoints(discord, api_base, await gateway_url(api_base))
    intents = discord.Intents.default()
    intents.message_content = True
    client = discord.Client(intents=intents)
    responder = adapter.responder

    async def channel_of(chat: str) -> Any:
        return client.get_channel(int(chat)) or await client.fetch_channel(int(chat))

    async def send(chat: str, text: str) -> None:
        channel = await channel_of(chat)
        await channel.send(text, allowed_mentions=discord.AllowedMentions.none())

    @contextlib.asynccontextmanager
    async def typing(chat: str) -> AsyncIterator[None]:
        channel = await channel_of(chat)
        async with channel.typing():
            yield

    responder.send = send
    responder.typing = typing

    async def setup_hook() -> None:
        # after login, before the gateway: the bot knows itself before any message
        adapter.bot_id = client.user.id

    async def on_ready() -> None:
        adapter.bot_id = client.user.id
        logger.info("logged in to Discord as user %s", client.user.id)
        if ready is not None:
            ready()

    async def on_message(event: Any) -> None:
        direct = isinstance(event.channel, discord.DMChannel)
        await adapter.on_message(event, direct=direct)

    client.setup_hook = setup_hook
    client.event(on_ready)
    client.event(on_message)
    with endpoints:
        try:
            async with client:
                await client.start(token)
        finally:
            await responder.aclose()

"""
A local fake of Discord (REST API and gateway websocket), for tests of bots.

`FakeDiscord` serves one guild with text channels on ``127.0.0.1``: the REST
routes a bot uses (``/gateway``, ``/gateway/bot``, ``/users/@me``,
``/channels/{id}``, ``/channels/{id}/messages``, ``/channels/{id}/typing``) and
a gateway that speaks the real protocol (HELLO, IDENTIFY, heartbeats, READY,
GUILD_CREATE, MESSAGE_CREATE, RESUME with replay of missed events). The real
``discord.py`` client logs in to it when its REST base and gateway point here
(``persona-clone discord --api-base``). Tests post messages as people, read what
the bot sent and when it showed typing, drop the gateway connection, and answer
message posts with 429s.

It runs in a thread of its own with its own event loop; every public method is
safe to call from the test's thread. Needs ``aiohttp`` (installed with the
``discord`` extra).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from typing import Any, Final, TypeVar

import aiohttp
import pendulum
from aiohttp import web
from attrs import define, field, frozen

from ..clock import Clock, SystemClock
from ._waiting import wait_until


__all__ = ["FakeDiscord", "FakeDiscordUser", "SentMessage"]

_T = TypeVar("_T")

_DISCORD_EPOCH_MS: Final = 1_420_070_400_000
_HEARTBEAT_MS: Final = 41_250
# gateway opcodes
_DISPATCH, _HEARTBEAT, _IDENTIFY, _RESUME = 0, 1, 2, 6
_INVALID_SESSION, _HELLO, _HEARTBEAT_ACK = 9, 10, 11
_CLIENT_CLOSES: Final = frozenset(
    {aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED}
)


def _json(body: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py decodes a body as JSON only when its type is exactly application/json
    data = json.dumps(body, ensure_ascii=False).encode()
    return web.Response(
        body=data, status=status, headers={**(headers or {}), "Content-Type": "application/json"}
    )


@frozen(kw_only=True)
class FakeDiscordUser:
    """
    A Discord user of the fake: a person or a bot.

    Args:
        id: The user's snowflake id.
        name: The display name (``global_name``); also the username, lowercased.
        bot: Whether the account is a bot.
    """

    id: int
    name: str
    bot: bool = False

    def payload(self) -> dict[str, Any]:
        """The user object as the API writes it."""
        return {
            "id": str(self.id),
            "username": self.name.lower().replace(" ", "_"),
            "discriminator": "0",
            "global_name": self.name,
            "avatar": None,
            "bot": self.bot,
        }


@frozen(kw_only=True)
class SentMessage:
    """
    A message the bot posted through the REST API.

    Args:
        id: The id the fake gave it.
        channel_id: Where it was posted.
        content: Its text.
        at: When it was accepted (monotonic seconds).
        allowed_mentions: The ``allowed_mentions`` the bot sent with it.
    """

    id: int
    channel_id: int
    content: str
    at: float
    allowed_mentions: dict[str, Any] | None = None


@define
class _Gateway:
    """The state of the bot's gateway session."""

    session_id: str = "fake-session-1"
    events: list[dict[str, Any]] = field(factory=list)
    socket: web.WebSocketResponse | None = None
    identified: int = 0
    resumed: int = 0


@define(kw_only=True)
class FakeDiscord:
    """
    A local fake of Discord for one bot in one guild.

        >>> with FakeDiscord(channels=(10,)) as fake:
        ...     fake.api_base.startswith("http://127.0.0.1:")
        True

    Args:
        bot: The bot's own account.
        channels: Ids of the guild's text channels.
        guild_id: The guild's id.
        guild_name: The guild's name.
        token: The bot token every request must carry (``Bot <token>``).
        clock: Tells the time that message ids (snowflakes) carry.
    """

    bot: FakeDiscordUser = field(factory=lambda: FakeDiscordUser(id=900, name="Deniz", bot=True))
    channels: Sequence[int] = (10,)
    guild_id: int = 1
    guild_name: str = "Kahve"
    token: str = field(default="fake-token", repr=False)
    clock: Clock = field(factory=SystemClock, repr=False)
    sent: list[SentMessage] = field(factory=list, init=False)
    typing: list[tuple[int, float]] = field(factory=list, init=False)
    rate_limited: int = field(default=0, init=False)
    _gateway: _Gateway = field(factory=_Gateway, init=False)
    _ids: Iterator[int] = field(factory=lambda: itertools.count(1), init=False)
    _pending_429: int = field(default=0, init=False)
    _loop: asyncio.AbstractEventLoop | None = field(default=None, init=False)
    _runner: web.AppRunner | None = field(default=None, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)
    _port: int = field(default=0, init=False)
    _changed: threading.Condition = field(factory=threading.Condition, init=False)

    # --- life cycle -----------------------------------------------------------

    def __enter__(self) -> FakeDiscord:  # noqa: PYI034 - not meant to be subclassed
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start serving on a free port of ``127.0.0.1``."""
        started = threading.Event()
        loop = asyncio.new_event_loop()
        self._loop = loop

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self._serve())
            started.set()
            loop.run_forever()

        self._thread = threading.Thread(target=run, name="fake-discord", daemon=True)
        self._thread.start()
        if not started.wait(10):  # pragma: no cover - only on a broken machine
            msg = "the fake Discord did not start"
            raise RuntimeError(msg)

    def stop(self) -> None:
        """Close the gateway and the server, and end the thread."""
        loop = self._loop
        if loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        loop.close()
        self._loop = None

    @property
    def api_base(self) -> str:
        """The REST base, version path included (what ``--api-base`` takes)."""
        return f"http://127.0.0.1:{self._port}/api/v10"

    @property
    def gateway_url(self) -> str:
        """Where the gateway websocket listens."""
        return f"ws://127.0.0.1:{self._port}/gateway"

    # --- what tests do ------------------------------------------------------------

    def post(
        self,
        author: FakeDiscordUser,
        content: str,
        *,
        channel_id: int | None = None,
        mentions: Sequence[FakeDiscordUser] = (),
        reply_to: int | None = None,
    ) -> int:
        """
        Have *author* say *content*; return the new message's id.

        The message is dispatched to the bot at once when it is connected, and
        replayed when it resumes otherwise.
        """
        channel = self.channels[0] if channel_id is None else channel_id
        return self._call(self._post(author, content, channel, mentions, reply_to))

    def drop_connection(self) -> None:
        """Close the bot's gateway websocket as a network failure would (code 4000)."""
        self._call(self._drop())

    def rate_limit(self, posts: int) -> None:
        """Answer the next *posts* message posts with 429 Too Many Requests."""
        self._pending_429 = posts

    @property
    def connections(self) -> tuple[int, int]:
        """How many times the bot identified, and how many times it resumed."""
        return self._gateway.identified, self._gateway.resumed

    def wait_for(self, condition: Callable[[FakeDiscord], bool], timeout: float = 60.0) -> bool:
        """Wait until *condition* holds of the fake (re-checked on every change)."""
        return wait_until(self._changed, lambda: condition(self), timeout)

    # --- server ---------------------------------------------------------------------

    def _call(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        if self._loop is None:
            msg = "the fake Discord is not running"
            raise RuntimeError(msg)
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    async def _serve(self) -> None:
        app = web.Application(middlewares=[self._authorize])
        base = "/api/v10"
        app.router.add_get(f"{base}/gateway", self._get_gateway)
        app.router.add_get(f"{base}/gateway/bot", self._get_gateway_bot)
        app.router.add_get(f"{base}/users/@me", self._get_me)
        app.router.add_get(f"{base}/oauth2/applications/@me", self._get_application)
        app.router.add_get(base + "/channels/{channel}", self._get_channel)
        app.router.add_post(base + "/channels/{channel}/messages", self._post_message)
        app.router.add_post(base + "/channels/{channel}/typing", self._post_typing)
        app.router.add_get("/gateway", self._websocket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host_and_port: tuple[str, int] = self._runner.addresses[0]
        self._port = int(host_and_port[1])

    async def _shutdown(self) -> None:
        socket = self._gateway.socket
        if socket is not None and not socket.closed:
            await socket.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _authorize(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        public = request.path == "/api/v10/gateway" or not request.path.startswith("/api/")
        if not public and request.headers.get("Authorization") != f"Bot {self.token}":
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        response: web.StreamResponse = await handler(request)
        return response

    async def _get_gateway(self, _request: web.Request) -> web.Response:
        return _json({"url": self.gateway_url})

    async def _get_gateway_bot(self, _request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def _get_me(self, _request: web.Request) -> web.Response:
        return _json(self.bot.payload())

    async def _get_application(self, _request: web.Request) -> web.Response:
        owner = FakeDiscordUser(id=1, name="Owner")
        return _json(
            {
                "id": str(self.bot.id),
                "name": self.bot.name,
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": owner.payload(),
                "verify_key": "0" * 64,
                "flags": 0,
            }
        )

    async def _get_channel(self, request: web.Request) -> web.Response:
        channel = int(request.match_info["channel"])
        if channel not in self.channels:
            return _json({"message": "Unknown Channel", "code": 10003}, status=404)
        return _json(self._channel(channel))

    async def _post_typing(self, request: web.Request) -> web.Response:
        self.typing.append((int(request.match_info["channel"]), time.monotonic()))
        self._notify()
        return web.Response(status=204)

    async def _post_message(self, request: web.Request) -> web.Response:
        channel = int(request.match_info["channel"])
        if channel not in self.channels:
            return _json({"message": "Unknown Channel", "code": 10003}, status=404)
        if self._pending_429 > 0:
            self._pending_429 -= 1
            self.rate_limited += 1
            self._notify()
            body = {"message": "You are being rate limited.", "retry_after": 0.25, "global": False}
            headers = {
                "Retry-After": "0.25",
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset-After": "0.25",
                "X-RateLimit-Bucket": "fake-messages",
                "X-RateLimit-Scope": "user",
                # Discord's 429s come through its proxy; discord.py takes one without
                # this header for a ban by the network and gives up
                "Via": "1.1 google",
            }
            return _json(body, status=429, headers=headers)
        body = await request.json()
        content = str(body.get("content") or "")
        message = self._message(self.bot, content, channel, (), None)
        self.sent.append(
            SentMessage(
                id=int(message["id"]),
                channel_id=channel,
                content=content,
                at=time.monotonic(),
                allowed_mentions=body.get("allowed_mentions"),
            )
        )
        await self._dispatch("MESSAGE_CREATE", message)
        self._notify()
        return _json(message)

    # --- gateway --------------------------------------------------------------------

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        old = self._gateway.socket
        if old is not None and not old.closed:  # pragma: no cover - one bot at a time
            await old.close(code=4000)
        hello = {"heartbeat_interval": _HEARTBEAT_MS}
        await socket.send_json({"op": _HELLO, "d": hello, "s": None, "t": None})
        async for frame in socket:
            if frame.type in _CLIENT_CLOSES:
                break
            if frame.type is not aiohttp.WSMsgType.TEXT:
                continue
            await self._on_frame(socket, json.loads(frame.data))
        if self._gateway.socket is socket:
            self._gateway.socket = None
        self._notify()
        return socket

    async def _on_frame(self, socket: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        op = frame.get("op")
        data = frame.get("d")
        if op == _HEARTBEAT:
            await socket.send_json({"op": _HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == _IDENTIFY:
            if not isinstance(data, dict) or data.get("token") != self.token:
                await socket.close(code=4004, message=b"Authentication failed.")
                return
            self._gateway.identified += 1
            self._gateway.session_id = f"fake-session-{self._gateway.identified}"
            self._gateway.events.clear()
            self._gateway.socket = socket
            await self._dispatch("READY", self._ready())
            await self._dispatch("GUILD_CREATE", self._guild())
        elif op == _RESUME:
            await self._resume(socket, data if isinstance(data, dict) else {})
        self._notify()

    async def _resume(self, socket: web.WebSocketResponse, data: dict[str, Any]) -> None:
        if data.get("session_id") != self._gateway.session_id or data.get("token") != self.token:
            await socket.send_json({"op": _INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        self._gateway.resumed += 1
        self._gateway.socket = socket
        after = int(data.get("seq") or 0)
        for event in self._gateway.events:
            if event["s"] > after:
                await socket.send_json(event)
        await self._dispatch("RESUMED", {})

    async def _dispatch(self, name: str, data: dict[str, Any]) -> None:
        events = self._gateway.events
        event = {"op": _DISPATCH, "t": name, "s": len(events) + 1, "d": data}
        events.append(event)
        socket = self._gateway.socket
        if socket is not None and not socket.closed:
            await socket.send_json(event)

    async def _drop(self) -> None:
        socket = self._gateway.socket
        self._gateway.socket = None
        if socket is not None and not socket.closed:
            await socket.close(code=4000, message=b"connection dropped by the test")
        self._notify()

    async def _post(
        self,
        author: FakeDiscordUser,
        content: str,
        channel: int,
        mentions: Sequence[FakeDiscordUser],
        reply_to: int | None,
    ) -> int:
        message = self._message(author, content, channel, mentions, reply_to)
        await self._dispatch("MESSAGE_CREATE", message)
        self._notify()
        return int(message["id"])

    # --- payloads -------------------------------------------------------------------

    def _snowflake(self) -> int:
        milliseconds = int(self.clock.now().timestamp() * 1000)
        return ((milliseconds - _DISCORD_EPOCH_MS) << 22) | (next(self._ids) & 0xFFF)

    def _message(
        self,
        author: FakeDiscordUser,
        content: str,
        channel: int,
        mentions: Sequence[FakeDiscordUser],
        reply_to: int | None,
    ) -> dict[str, Any]:
        snowflake = self._snowflake()
        stamp = pendulum.from_timestamp(((snowflake >> 22) + _DISCORD_EPOCH_MS) / 1000)
        message: dict[str, Any] = {
            "id": str(snowflake),
            "channel_id": str(channel),
            "guild_id": str(self.guild_id),
            "author": author.payload(),
            "member": self._member(),
            "content": content,
            "timestamp": stamp.isoformat(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [{**user.payload(), "member": self._member()} for user in mentions],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 0 if reply_to is None else 19,
            "flags": 0,
            "components": [],
        }
        if reply_to is not None:
            message["message_reference"] = {
                "message_id": str(reply_to),
                "channel_id": str(channel),
                "guild_id": str(self.guild_id),
            }
        return message

    def _member(self) -> dict[str, Any]:
        return {
            "roles": [],
            "joined_at": "2026-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
        }

    def _channel(self, channel: int) -> dict[str, Any]:
        return {
            "id": str(channel),
            "type": 0,
            "guild_id": str(self.guild_id),
            "name": f"channel-{channel}",
            "position": self.channels.index(channel),
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }

    def _ready(self) -> dict[str, Any]:
        return {
            "v": 10,
            "user": self.bot.payload(),
            "guilds": [{"id": str(self.guild_id), "unavailable": True}],
            "session_id": self._gateway.session_id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.bot.id), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }

    def _guild(self) -> dict[str, Any]:
        everyone = {
            "id": str(self.guild_id),
            "name": "@everyone",
            "permissions": "3072",  # view channels, send messages
            "position": 0,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        return {
            "id": str(self.guild_id),
            "name": self.guild_name,
            "icon": None,
            "owner_id": "1",
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "system_channel_flags": 0,
            "features": [],
            "roles": [everyone],
            "emojis": [],
            "stickers": [],
            "channels": [self._channel(channel) for channel in self.channels],
            "threads": [],
            "members": [{**self._member(), "user": self.bot.payload()}],
            "member_count": 1,
            "voice_states": [],
            "presences": [],
            "large": False,
            "unavailable": False,
            "joined_at": "2026-01-01T00:00:00+00:00",
        }

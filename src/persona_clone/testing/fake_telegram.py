"""
A local fake of the Telegram Bot API (long polling), for tests of bots.

`FakeTelegram` serves ``{base}/bot<token>/<method>`` on ``127.0.0.1`` for the
methods a polling bot uses (``getMe``, ``deleteWebhook``, ``getUpdates`` with
long polling and offsets, ``sendMessage``, ``sendChatAction``, ``close``,
``logOut``), with the API's envelopes and error bodies, so the real
``python-telegram-bot`` client runs against it (``persona-clone telegram
--api-base``). Tests post messages as people in group or private chats, read
what the bot sent and when it showed typing, and answer sends with 429s.

It runs a standard-library HTTP server in a thread; every public method is safe
to call from the test's thread.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final

from attrs import define, field, frozen

from ..clock import Clock, SystemClock
from ._waiting import wait_until


__all__ = ["FakeTelegram", "FakeTelegramChat", "FakeTelegramUser", "TelegramSent"]

_MAX_POLL: Final = 50.0


@frozen(kw_only=True)
class FakeTelegramUser:
    """
    A Telegram account of the fake.

    Args:
        id: The user's id.
        first_name: First name.
        last_name: Last name, if any.
        username: The @username, without the @.
        is_bot: Whether the account is a bot.
    """

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    is_bot: bool = False

    def payload(self) -> dict[str, Any]:
        """The user object as the Bot API writes it."""
        found: dict[str, Any] = {
            "id": self.id,
            "is_bot": self.is_bot,
            "first_name": self.first_name,
        }
        if self.last_name:
            found["last_name"] = self.last_name
        if self.username:
            found["username"] = self.username
        return found


@frozen(kw_only=True)
class FakeTelegramChat:
    """
    A chat of the fake.

    Args:
        id: The chat's id (negative for groups).
        type: ``group``, ``supergroup``, ``private`` or ``channel``.
        title: The group's title.
    """

    id: int
    type: str = "supergroup"
    title: str | None = "Kahve"

    def payload(self) -> dict[str, Any]:
        """The chat object as the Bot API writes it."""
        found: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.title is not None and self.type != "private":
            found["title"] = self.title
        return found


@frozen(kw_only=True)
class TelegramSent:
    """
    A message the bot sent.

    Args:
        message_id: The id the fake gave it.
        chat_id: Where it went.
        text: Its text.
        at: When it was accepted (monotonic seconds).
        reply_to: The message it answers, if the bot said so.
    """

    message_id: int
    chat_id: int
    text: str
    at: float
    reply_to: int | None = None


@define(kw_only=True)
class FakeTelegram:
    """
    A local fake of the Telegram Bot API for one bot.

        >>> with FakeTelegram() as fake:
        ...     fake.api_base.startswith("http://127.0.0.1:")
        True

    Args:
        bot: The bot's own account.
        token: The token in every request's path.
        clock: Tells the time that messages carry.
    """

    bot: FakeTelegramUser = field(
        factory=lambda: FakeTelegramUser(
            id=7000, first_name="Deniz", username="deniz_clone_bot", is_bot=True
        )
    )
    token: str = field(default="123456:fake-token", repr=False)
    clock: Clock = field(factory=SystemClock, repr=False)
    sent: list[TelegramSent] = field(factory=list, init=False)
    actions: list[tuple[int, str, float]] = field(factory=list, init=False)
    polls: int = field(default=0, init=False)
    rate_limited: int = field(default=0, init=False)
    _updates: list[dict[str, Any]] = field(factory=list, init=False)
    _update_ids: Iterator[int] = field(factory=lambda: itertools.count(1), init=False)
    _message_ids: Iterator[int] = field(factory=lambda: itertools.count(1), init=False)
    _pending_429: int = field(default=0, init=False)
    _changed: threading.Condition = field(factory=threading.Condition, init=False)
    _server: ThreadingHTTPServer | None = field(default=None, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)
    _closing: bool = field(default=False, init=False)

    # --- life cycle -----------------------------------------------------------

    def __enter__(self) -> FakeTelegram:  # noqa: PYI034 - not meant to be subclassed
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start serving on a free port of ``127.0.0.1``."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:
                fake._handle(self)

            def log_message(self, *_args: Any) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="fake-telegram")
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        """Answer the polls under way and stop serving."""
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    @property
    def api_base(self) -> str:
        """The server's base (what ``--api-base`` takes)."""
        if self._server is None:
            msg = "the fake Telegram is not running"
            raise RuntimeError(msg)
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # --- what tests do ------------------------------------------------------------

    def post(
        self,
        author: FakeTelegramUser,
        text: str,
        *,
        chat: FakeTelegramChat,
        reply_to: int | None = None,
    ) -> int:
        """Have *author* say *text* in *chat*; return the new message's id."""
        message = self._message(author, text, chat, reply_to)
        with self._changed:
            self._updates.append({"update_id": next(self._update_ids), "message": message})
            self._changed.notify_all()
        return int(message["message_id"])

    def rate_limit(self, sends: int) -> None:
        """Answer the next *sends* ``sendMessage`` calls with 429 (retry after 1 s)."""
        with self._changed:
            self._pending_429 = sends

    def wait_for(self, condition: Callable[[FakeTelegram], bool], timeout: float = 60.0) -> bool:
        """Wait until *condition* holds of the fake (re-checked on every change)."""
        return wait_until(self._changed, lambda: condition(self), timeout)

    # --- server ---------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        path = urllib.parse.urlsplit(request.path).path
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            self._answer(request, HTTPStatus.UNAUTHORIZED, _error(401, "Unauthorized"))
            return
        method = path.removeprefix(prefix)
        params = _parameters(request)
        handlers: dict[str, Callable[[Mapping[str, Any]], tuple[int, Any]]] = {
            "getMe": self._get_me,
            "deleteWebhook": lambda _p: (HTTPStatus.OK, _ok(value=True)),
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "sendChatAction": self._send_chat_action,
            "close": lambda _p: (HTTPStatus.OK, _ok(value=True)),
            "logOut": lambda _p: (HTTPStatus.OK, _ok(value=True)),
        }
        handler = handlers.get(method)
        if handler is None:
            self._answer(request, HTTPStatus.NOT_FOUND, _error(404, "Not Found: method not found"))
            return
        status, body = handler(params)
        self._answer(request, status, body)

    def _answer(self, request: BaseHTTPRequestHandler, status: int, body: Any) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    def _get_me(self, _params: Mapping[str, Any]) -> tuple[int, Any]:
        me = {
            **self.bot.payload(),
            "can_join_groups": True,
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
        }
        return HTTPStatus.OK, _ok(me)

    def _get_updates(self, params: Mapping[str, Any]) -> tuple[int, Any]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), _MAX_POLL)
        deadline = time.monotonic() + timeout
        with self._changed:
            self.polls += 1
            self._changed.notify_all()
            if offset:
                # confirming an offset forgets every update before it, as the API does
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._closing:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(min(left, 0.2))
            found = list(self._updates)
        return HTTPStatus.OK, _ok(found)

    def _send_message(self, params: Mapping[str, Any]) -> tuple[int, Any]:
        with self._changed:
            if self._pending_429 > 0:
                self._pending_429 -= 1
                self.rate_limited += 1
                self._changed.notify_all()
                body = _error(429, "Too Many Requests: retry after 1")
                body["parameters"] = {"retry_after": 1}
                return HTTPStatus.TOO_MANY_REQUESTS, body
        chat_id = int(params["chat_id"])
        text = str(params.get("text", ""))
        if not text.strip():
            return HTTPStatus.BAD_REQUEST, _error(400, "Bad Request: message text is empty")
        reply = params.get("reply_parameters") or params.get("reply_to_message_id")
        reply_to = _reply_target(reply)
        chat = FakeTelegramChat(id=chat_id, type="private" if chat_id > 0 else "supergroup")
        message = self._message(self.bot, text, chat, reply_to)
        with self._changed:
            self.sent.append(
                TelegramSent(
                    message_id=int(message["message_id"]),
                    chat_id=chat_id,
                    text=text,
                    at=time.monotonic(),
                    reply_to=reply_to,
                )
            )
            self._changed.notify_all()
        return HTTPStatus.OK, _ok(message)

    def _send_chat_action(self, params: Mapping[str, Any]) -> tuple[int, Any]:
        with self._changed:
            self.actions.append((int(params["chat_id"]), str(params["action"]), time.monotonic()))
            self._changed.notify_all()
        return HTTPStatus.OK, _ok(value=True)

    def _message(
        self,
        author: FakeTelegramUser,
        text: str,
        chat: FakeTelegramChat,
        reply_to: int | None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(self.clock.now().timestamp()),
            "chat": chat.payload(),
            "from": author.payload(),
            "text": text,
        }
        if reply_to is not None:
            message["reply_to_message"] = {
                "message_id": reply_to,
                "date": message["date"],
                "chat": chat.payload(),
                "from": self._author_of(reply_to),
                "text": "",
            }
        return message

    def _author_of(self, message_id: int) -> dict[str, Any]:
        if any(sent.message_id == message_id for sent in self.sent):
            return self.bot.payload()
        return FakeTelegramUser(id=1, first_name="Someone").payload()


def _ok(result: Any = None, *, value: Any = None) -> dict[str, Any]:
    return {"ok": True, "result": value if result is None else result}


def _error(code: int, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": code, "description": description}


def _reply_target(raw: Any) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, dict):
        found = raw.get("message_id")
        return None if found is None else int(found)
    return int(raw)


def _parameters(request: BaseHTTPRequestHandler) -> dict[str, Any]:
    """The call's parameters: query, form or JSON body; JSON-looking values decoded."""
    length = int(request.headers.get("Content-Length") or 0)
    raw = request.rfile.read(length) if length else b""
    kind = request.headers.get("Content-Type") or ""
    query = urllib.parse.parse_qsl(urllib.parse.urlsplit(request.path).query)
    found: dict[str, Any] = dict(query)
    if "json" in kind and raw:
        found.update(json.loads(raw))
        return found
    for key, value in urllib.parse.parse_qsl(raw.decode()):
        found[key] = _decoded(value)
    return found


def _decoded(value: str) -> Any:
    if value[:1] in '[{"' or value in {"true", "false", "null"}:
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value

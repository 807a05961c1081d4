"""`FakeOpenAI`: the fake service on ``127.0.0.1``, its faults and its request log."""

from __future__ import annotations

import email.parser
import email.policy
import fnmatch
import json
import re
import socket
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from attrs import define, field, frozen

from persona_clone.clock import Clock, SystemClock, system_sleep

from .errors import ApiError
from .inference import Replies, ReplySource, chat_completion, text_completion
from .moderations import moderation
from .service import FakeService, JobFailure


__all__ = ["FakeOpenAI", "Fault", "RecordedRequest"]


def _pairs(values: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(values)


@frozen(kw_only=True)
class Fault:
    """
    Something that goes wrong with one request (see `FakeOpenAI.inject`).

    Args:
        status: Answer with this HTTP status instead (``None``: no error status).
        message: The error message for *status*.
        code: The error code for *status*.
        type: The error type for *status*.
        headers: Extra response headers (``retry-after-ms``, ``x-should-retry``, ...).
        drop: Close the connection without an answer.
        delay: Wait this many seconds (through the fake's *sleep*) before answering.
        after: Apply the fault after the request was carried out (the upload is
            stored, the job created), as when an answer is lost or slow on its way
            back; otherwise before.
    """

    status: int | None = None
    message: str = ""
    code: str | None = None
    type: str = "server_error"
    headers: tuple[tuple[str, str], ...] = field(default=(), converter=_pairs)
    drop: bool = False
    delay: float = 0.0
    after: bool = False

    @classmethod
    def rate_limit(
        cls, *, retry_after_ms: int | None = 10, retry_after: float | None = None
    ) -> Fault:
        """A 429 ``rate_limit_exceeded`` with ``retry-after-ms`` or ``retry-after``."""
        headers = []
        if retry_after_ms is not None:
            headers.append(("retry-after-ms", str(retry_after_ms)))
        if retry_after is not None:
            headers.append(("retry-after", f"{retry_after:g}"))
        return cls(
            status=429,
            message="Rate limit reached for requests. Please try again later.",
            code="rate_limit_exceeded",
            type="requests",
            headers=headers,
        )

    @classmethod
    def server_error(cls, status: int = 500, *, retry_after_ms: int | None = 10) -> Fault:
        """A 500, 502 or 503 ``server_error``."""
        headers = [("retry-after-ms", str(retry_after_ms))] if retry_after_ms is not None else []
        text = (
            "The server is overloaded or not ready yet."
            if status == HTTPStatus.SERVICE_UNAVAILABLE
            else "The server had an error while processing your request."
        )
        return cls(status=status, message=text, type="server_error", headers=headers)

    @classmethod
    def dropped(cls, *, after: bool = False) -> Fault:
        """Close the connection without an answer (before or *after* doing the work)."""
        return cls(drop=True, after=after)

    @classmethod
    def slow(cls, seconds: float, *, after: bool = False) -> Fault:
        """Answer normally, *seconds* late (waiting before or *after* the work)."""
        return cls(delay=seconds, after=after)


def refused_base_url() -> str:
    """
    Return a ``http://127.0.0.1:PORT/v1`` URL where nothing listens.

    A connection to it is refused at once, as when a local server is not
    running or ``OPENAI_BASE_URL`` names the wrong port.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@frozen(kw_only=True)
class RecordedRequest:
    """
    One request the fake received, as sent.

    Args:
        method: HTTP method.
        path: URL path (``/v1/files``).
        query: Query parameters (last value wins).
        headers: Request headers, lower-cased names.
        body: The raw body.
        json: The body parsed as JSON, if it was JSON.
        form: Multipart text fields, if it was multipart.
        files: Multipart file fields: name -> (filename, content type, bytes).
    """

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str] = field(repr=False)
    body: bytes = field(repr=False)
    json: Any = field(default=None, repr=False)
    form: Mapping[str, str] = field(factory=dict)
    files: Mapping[str, tuple[str, str, bytes]] = field(factory=dict, repr=False)


@define
class _Injected:
    fault: Fault
    method: str | None
    path: str | None
    times: int


def _parse_multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, str], dict[str, tuple[str, str, bytes]]]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    form: dict[str, str] = {}
    files: dict[str, tuple[str, str, bytes]] = {}
    if not message.is_multipart():
        return form, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is None:
            form[name] = data.decode("utf-8")
        else:
            files[name] = (filename, part.get_content_type(), data)
    return form, files


_JOB = r"/v1/fine_tuning/jobs/(?P<job>[^/]+)"
_FILE = r"/v1/files/(?P<file>[^/]+)"


@define(kw_only=True)
class FakeOpenAI:
    """
    A local fake of OpenAI's files, fine-tuning and inference API, for tests.

    It runs a standard-library HTTP server on ``127.0.0.1`` (a free port) and
    honours the shapes, status codes and error bodies of the real service, so the
    real ``openai`` client can talk to it:

        >>> import openai
        >>> with FakeOpenAI(replies=["lol"]) as fake:
        ...     client = openai.OpenAI(api_key="test", base_url=fake.base_url)
        ...     client.chat.completions.create(
        ...         model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
        ...     ).choices[0].message.content
        'lol'

    Jobs move one step along their lifecycle each time they are retrieved
    (*advance_every*), or with the *clock* (*step_seconds*), or when `advance` is
    called; nothing waits on the wall clock.

    Args:
        api_key: The bearer key every request must carry.
        replies: Scripted inference replies: a list used in turn, or a function of
            the request body.
        clock: Gives timestamps (and drives *step_seconds*).
        sleep: How slow responses wait (only `Fault.slow` uses it).
        advance_every: Jobs advance a step every this many retrievals (``None``: never).
        step_seconds: Jobs also advance one step per this many seconds of *clock*.
        file_polls: Retrievals an upload stays ``uploaded`` before it is processed.
        organization: The org slug in fine-tuned model names.
        model_loading_requests: Inference requests answered 404 right after a model
            appears, as the real service does while a new model loads.
        flagged_words: What ``/v1/moderations`` flags: an input containing one of
            these words (any letter case) is flagged in the word's category
            (``{"idiot": "harassment"}``).
        any_fine_tuned: Serve any ``ft:<base>:<org>:<suffix>:<id>`` model whose base
            the fake knows (chat or completions by its base), not only models its
            own jobs made; ``False`` answers 404 ``model_not_found`` for those.
        seed: Seeds the random ids.
    """

    api_key: str = field(default="test", repr=False)
    replies: Replies | None = field(default=None, repr=False)
    clock: Clock = field(factory=SystemClock)
    sleep: Callable[[float], None] = field(default=system_sleep, repr=False)
    advance_every: int | None = 1
    step_seconds: float | None = None
    file_polls: int = 1
    organization: str = "fake-org"
    model_loading_requests: int = 0
    any_fine_tuned: bool = True
    flagged_words: Mapping[str, str] = field(factory=dict)
    seed: int = 0
    service: FakeService = field(init=False, repr=False)
    requests: list[RecordedRequest] = field(factory=list, init=False, repr=False)
    _faults: list[_Injected] = field(factory=list, init=False, repr=False)
    _server: ThreadingHTTPServer | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _replies: ReplySource = field(init=False, repr=False)
    _loading: dict[str, int] = field(factory=dict, init=False, repr=False)
    _counter: int = field(default=0, init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        self.service = FakeService(
            clock=self.clock,
            advance_every=self.advance_every,
            step_seconds=self.step_seconds,
            file_polls=self.file_polls,
            organization=self.organization,
            seed=self.seed,
        )
        self._replies = ReplySource(self.replies)

    # --- running -----------------------------------------------------------------

    def start(self) -> FakeOpenAI:
        """Start serving on a free port of ``127.0.0.1``; return self."""
        if self._server is None:
            self._server = _Server(("127.0.0.1", 0), _handler_for(self))
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="FakeOpenAI",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join()
            self._server = None
            self._thread = None

    def __enter__(self) -> FakeOpenAI:  # noqa: PYI034 - not meant to be subclassed
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """The URL to give the client: ``http://127.0.0.1:PORT/v1``."""
        if self._server is None:
            raise RuntimeError("FakeOpenAI is not running; use it in a with block")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    # --- scripting -----------------------------------------------------------------

    def inject(
        self,
        fault: Fault,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int = 1,
    ) -> None:
        """
        Apply *fault* to the next *times* requests that match.

        Args:
            fault: What goes wrong.
            method: Only requests with this HTTP method (any when ``None``).
            path: Only paths matching this `fnmatch` pattern (``/v1/files*``).
            times: How many matching requests it hits.
        """
        with self.service.lock:
            self._faults.append(_Injected(fault=fault, method=method, path=path, times=times))

    def fail_next_job(
        self,
        *,
        code: str = "server_error",
        message: str = "The job failed due to an internal error.",
        param: str | None = None,
        at: str = "running",
    ) -> None:
        """Make the next job created fail with this error when it reaches *at*."""
        with self.service.lock:
            self.service.failures.append(JobFailure(code=code, message=message, param=param, at=at))

    def advance(self, job_id: str | None = None, *, steps: int = 1) -> None:
        """Move one job (or every job) *steps* steps along its lifecycle."""
        self.service.advance(job_id, steps)

    def uploads(self, purpose: str = "fine-tune") -> list[dict[str, Any]]:
        """Return every stored file with *purpose*, oldest first."""
        with self.service.lock:
            return [
                dict(f.data) for f in self.service.files.values() if f.data["purpose"] == purpose
            ]

    def jobs(self) -> list[dict[str, Any]]:
        """Return every job created, oldest first."""
        with self.service.lock:
            return [dict(job.data) for job in self.service.jobs.values()]

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        """Return the recorded *method* requests whose path matches *path*."""
        return [
            r for r in self.requests if r.method == method and fnmatch.fnmatchcase(r.path, path)
        ]

    # --- request handling ------------------------------------------------------------

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.service.lock:
            for injected in self._faults:
                if injected.method not in (None, method):
                    continue
                if injected.path is not None and not fnmatch.fnmatchcase(path, injected.path):
                    continue
                injected.times -= 1
                if injected.times <= 0:
                    self._faults.remove(injected)
                return injected.fault
        return None

    def _next_id(self, prefix: str) -> str:
        with self.service.lock:
            self._counter += 1
            return f"{prefix}{self._counter:08d}"

    def _serve_model(self, model: Any, wanted: str) -> None:
        if not isinstance(model, str):
            raise ApiError.bad_request("Missing required parameter: 'model'.", param="model")
        kind = self.service.model_kind(model, any_fine_tuned=self.any_fine_tuned)
        if kind is None:
            raise ApiError.not_found(
                f"The model `{model}` does not exist or you do not have access to it.",
                code="model_not_found",
            )
        with self.service.lock:
            seen = self._loading.get(model, 0)
            self._loading[model] = seen + 1
        if model.startswith("ft:") and seen < self.model_loading_requests:
            raise ApiError.not_found(
                f"The model `{model}` does not exist or you do not have access to it.",
                code="model_not_found",
            )
        if kind != wanted:
            if wanted == "chat":
                message = (
                    "This is not a chat model and thus not supported in the "
                    "v1/chat/completions "
                    "endpoint. Did you mean to use v1/completions?"
                )
            else:
                message = (
                    "This is a chat model and not supported in the v1/completions "
                    "endpoint. "
                    "Did you mean to use v1/chat/completions?"
                )
            raise ApiError.not_found(message, param="model")

    def _route(self, request: RecordedRequest) -> tuple[int, Any]:  # noqa: C901, PLR0911, PLR0912
        method, path, query, service = (
            request.method,
            request.path,
            request.query,
            self.service,
        )
        service.tick()
        if method == "POST" and path == "/v1/files":
            upload = request.files.get("file")
            if upload is None:
                raise ApiError.bad_request("Missing required parameter: 'file'.", param="file")
            if "purpose" not in request.form:
                raise ApiError.bad_request(
                    "Missing required parameter: 'purpose'.", param="purpose"
                )
            return 200, service.upload(
                filename=upload[0], content=upload[2], purpose=request.form["purpose"]
            )
        if method == "GET" and path == "/v1/files":
            return 200, service.list_files(query)
        if match := re.fullmatch(_FILE + "/content", path):
            if method == "GET":
                return 200, service.file_content(match["file"])
        elif match := re.fullmatch(_FILE, path):
            if method == "GET":
                return 200, service.retrieve_file(match["file"])
            if method == "DELETE":
                return 200, service.delete_file(match["file"])
        elif path == "/v1/fine_tuning/jobs":
            if method == "POST":
                return 200, service.create_job(request.json)
            if method == "GET":
                return 200, service.list_jobs(query)
        elif match := re.fullmatch(_JOB, path):
            if method == "GET":
                return 200, service.retrieve_job(match["job"])
        elif match := re.fullmatch(_JOB + r"/(?P<what>[a-z]+)", path):
            job_id, what = match["job"], match["what"]
            if method == "GET" and what == "events":
                return 200, service.list_events(job_id, query)
            if method == "GET" and what == "checkpoints":
                return 200, service.list_checkpoints(job_id, query)
            if method == "POST" and what in ("cancel", "pause", "resume"):
                action: Callable[[str], dict[str, Any]] = getattr(service, what)
                return 200, action(job_id)
        elif method == "POST" and path == "/v1/moderations":
            return 200, moderation(
                request.json, flagged=self.flagged_words, moderation_id=self._next_id("modr-")
            )
        elif method == "POST" and path in ("/v1/chat/completions", "/v1/completions"):
            body = request.json
            if not isinstance(body, dict):
                raise ApiError.bad_request("The request body must be a JSON object.")
            chat = path == "/v1/chat/completions"
            self._serve_model(body.get("model"), "chat" if chat else "completion")
            respond = chat_completion if chat else text_completion
            with service.lock:
                return 200, respond(
                    body,
                    reply=lambda: self._replies.next(body),
                    now=int(self.clock.now().timestamp()),
                    completion_id=self._next_id("chatcmpl-" if chat else "cmpl-"),
                )
        raise ApiError.not_found(f"Invalid URL ({method} {path})")

    def _authorized(self, headers: Mapping[str, str]) -> bool:
        return headers.get("authorization") == f"Bearer {self.api_key}"


_UNAUTHORIZED = ApiError(
    401,
    "Incorrect API key provided. You can find your API key at "
    "https://platform.openai.com/account/api-keys.",
    "invalid_request_error",
    None,
    "invalid_api_key",
)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client went away (timeouts, dropped connections)."""


class _Dropped(Exception):  # noqa: N818 - control flow inside the handler only
    pass


def _handler_for(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:  # noqa: C901
    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeOpenAI/1"
        protocol_version = "HTTP/1.0"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            """Keep the test output clean."""

        def _send(
            self,
            status: int,
            payload: Any,
            headers: Iterator[tuple[str, str]] | tuple[()] = (),
        ) -> None:
            if isinstance(payload, bytes):
                data, kind = payload, "application/octet-stream"
            else:
                data, kind = json.dumps(payload).encode(), "application/json"
            self.send_response(status)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(data)))
            self.send_header("x-request-id", fake._next_id("req_"))  # noqa: SLF001
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _drop(self) -> None:
            self.close_connection = True
            raise _Dropped

        def _read(self) -> RecordedRequest:
            split = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            content_type = headers.get("content-type", "")
            parsed: Any = None
            form: dict[str, str] = {}
            files: dict[str, tuple[str, str, bytes]] = {}
            if content_type.startswith("application/json") and body:
                try:
                    parsed = json.loads(body)
                except ValueError:
                    parsed = None
            elif content_type.startswith("multipart/form-data"):
                form, files = _parse_multipart(content_type, body)
            return RecordedRequest(
                method=self.command,
                path=split.path,
                query=dict(parse_qsl(split.query, keep_blank_values=True)),
                headers=headers,
                body=body,
                json=parsed,
                form=form,
                files=files,
            )

        def _apply(self, fault: Fault) -> bool:
            """Apply *fault*; return whether it answered the request."""
            if fault.drop:
                self._drop()
            if fault.status is None:
                return False
            error = ApiError(fault.status, fault.message, fault.type, None, fault.code)
            self._send(fault.status, error.body(), iter(fault.headers))
            return True

        def _handle(self) -> None:
            request = self._read()
            with fake.service.lock:
                fake.requests.append(request)
            fault = fake._take_fault(request.method, request.path)  # noqa: SLF001
            if fault is not None and fault.delay and not fault.after:
                fake.sleep(fault.delay)
            if fault is not None and not fault.after and self._apply(fault):
                return
            extra: tuple[tuple[str, str], ...] = ()
            if not fake._authorized(request.headers):  # noqa: SLF001
                status, payload = 401, _UNAUTHORIZED.body()
            else:
                try:
                    status, payload = fake._route(request)  # noqa: SLF001
                except ApiError as error:
                    status, payload, extra = error.status, error.body(), error.headers
            if fault is not None and fault.delay and fault.after:
                fake.sleep(fault.delay)
            if fault is not None and fault.after and self._apply(fault):
                return
            self._send(status, payload, iter(extra))

        def _run(self) -> None:
            try:
                self._handle()
            except (_Dropped, ConnectionError):
                self.close_connection = True

        do_GET = _run  # noqa: N815 - the stdlib's naming
        do_POST = _run  # noqa: N815
        do_DELETE = _run  # noqa: N815

    return Handler

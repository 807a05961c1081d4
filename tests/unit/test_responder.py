"""Tests for persona_clone.serving.responder, against a scripted endpoint (mock transport)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Coroutine
from typing import Any

import pendulum
import pytest

from openai_mock import OutOfQuota, Refused, ScriptedEndpoint, Step, Timeout, Unreachable
from persona_clone import (
    ConfigError,
    ConversationBuffer,
    LoopGuard,
    LoopPolicy,
    Message,
    Participant,
    Responder,
)
from persona_clone.dataset.rendering import ChatRenderer, LegacyRenderer
from persona_clone.privacy.consent import Consent
from persona_clone.privacy.identity import NameBook
from persona_clone.serving.moderation import WordListModerator
from persona_clone.serving.privacy import LivePrivacy
from persona_clone.serving.responder import Backoff, connect
from persona_clone.testing import FakeClock, make_message, make_participant


ADA = make_participant("Ada")
BOB = make_participant("Bob")
CEM = make_participant("Cem")


def run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run one test scenario in a fresh event loop."""
    asyncio.run(coroutine)


class Outbox:
    """The injected send: keeps what was sent, per chat, in order."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def __call__(self, chat: str, text: str) -> None:
        self.sent.append((chat, text))


class Harness:
    """A responder wired to a fake clock, a scripted endpoint and an outbox."""

    def __init__(
        self,
        script: list[Step],
        *,
        legacy: bool = False,
        guard: LoopGuard | None = None,
        **options: Any,
    ) -> None:
        self.clock = FakeClock()
        self.endpoint = ScriptedEndpoint(script)
        self.outbox = Outbox()
        renderer: ChatRenderer | LegacyRenderer
        if legacy:
            renderer = LegacyRenderer(persona=ADA, names=NameBook())
        else:
            renderer = ChatRenderer(persona=ADA, names=NameBook(), system_prompt="Be Ada.")
        self.responder = Responder(
            client=self.endpoint.client(),
            model="ft:ada",
            renderer=renderer,
            send=self.outbox,
            clock=self.clock,
            sleep=self.clock.async_sleep,
            guard=guard if guard is not None else LoopGuard(),
            **options,
        )

    def message(self, author: Participant, text: str) -> Message:
        """Return a message by *author* sent now."""
        return make_message(author=author, text=text, sent_at=self.clock.now())

    async def say(self, chat: str, author: Participant, text: str) -> None:
        """Deliver a message to the responder."""
        await self.responder.receive(chat, self.message(author, text))

    async def exchange(self, text: str, *, chat: str = "c") -> None:
        """Bob says *text*; wait until the clone has answered (or not)."""
        await self.say(chat, BOB, text)
        await self.responder.wait_idle()


class TestQuietWindow:
    def test_burst_gets_one_reply_after_quiet(self) -> None:
        """A burst of messages gets one reply, a quiet window after the last one."""

        async def scenario() -> None:
            h = Harness(["hey"])
            for text in ("hi", "you there?", "ada?"):
                await h.say("c", BOB, text)
                h.clock.advance(seconds=10)
            await h.responder.wait_idle()

            assert [("c", "hey")] == h.outbox.sent
            assert [15.0] == h.clock.sleeps
            assert 1 == len(h.endpoint.requests)

        run(scenario())

    def test_new_message_restarts_the_wait(self) -> None:
        """A message that arrives during the wait restarts it; one reply follows."""

        async def scenario() -> None:
            h = Harness(["hey"])
            gate = asyncio.Event()
            waits: list[float] = []

            async def sleep(seconds: float) -> None:
                waits.append(seconds)
                await gate.wait()

            h.responder.sleep = sleep
            await h.say("c", BOB, "hi")
            await asyncio.sleep(0)  # the wait starts
            h.clock.advance(seconds=10)
            await h.say("c", CEM, "hello?")
            await asyncio.sleep(0)
            h.clock.advance(seconds=25)
            gate.set()
            await h.responder.wait_idle()

            assert ([25.0, 25.0], [("c", "hey")]) == (waits, h.outbox.sent)

        run(scenario())

    def test_chats_are_isolated(self) -> None:
        """Each chat has its own buffer and gets its own reply."""

        async def scenario() -> None:
            h = Harness(["one", "two"])
            await h.say("a", BOB, "in a")
            await h.say("b", CEM, "in b")
            await h.responder.wait_idle()

            assert [("a", "one"), ("b", "two")] == h.outbox.sent
            assert ["in a", "one"] == [t.text for t in h.responder.buffer("a").entries]
            assert ["in b", "two"] == [t.text for t in h.responder.buffer("b").entries]

        run(scenario())

    def test_no_reply_to_own_message(self) -> None:
        """A message from the persona itself schedules nothing."""

        async def scenario() -> None:
            h = Harness(["hey"])
            await h.say("c", BOB, "hi")
            await h.say("c", ADA, "I answered myself")
            await h.responder.wait_idle()

            assert ([], []) == (h.outbox.sent, h.endpoint.requests)

        run(scenario())

    def test_flush_answers_without_waiting(self) -> None:
        """flush() answers what is pending at once, without sleeping."""

        async def scenario() -> None:
            h = Harness(["hey"])
            await h.say("c", BOB, "hi")
            await h.responder.flush()

            assert ([("c", "hey")], []) == (h.outbox.sent, h.clock.sleeps)

        run(scenario())

    def test_aclose_cancels_scheduled_replies(self) -> None:
        """aclose() cancels replies still waiting for quiet."""

        async def scenario() -> None:
            h = Harness(["hey"])
            await h.say("c", BOB, "hi")
            await h.responder.aclose()

            assert [] == h.outbox.sent

        run(scenario())

    def test_reset_forgets(self) -> None:
        """reset() forgets a chat and cancels its scheduled reply."""

        async def scenario() -> None:
            h = Harness(["hey"])
            await h.say("c", BOB, "hi")
            h.responder.reset("c")
            await h.responder.wait_idle()

            assert ([], ()) == (h.outbox.sent, h.responder.buffer("c").entries)

        run(scenario())


class TestModelCall:
    def test_chat_request_is_the_rendered_buffer(self) -> None:
        """The chat request carries the rendered buffer, names included."""

        async def scenario() -> None:
            h = Harness(["hey"])
            await h.exchange("hi")

            assert [
                {"role": "system", "content": "Be Ada."},
                {"role": "user", "name": "Bob", "content": "hi"},
            ] == h.endpoint.requests[0]["messages"]
            assert "/v1/chat/completions" == h.endpoint.paths[0]
            assert "ft:ada" == h.endpoint.requests[0]["model"]

        run(scenario())

    def test_legacy_request_uses_the_stop_marker(self) -> None:
        """A legacy model gets the rendered prompt and the renderer's stop marker."""

        async def scenario() -> None:
            h = Harness([" hey there\n###\nUser: more"], legacy=True)
            await h.exchange("hi")

            request = h.endpoint.requests[0]
            assert "/v1/completions" == h.endpoint.paths[0]
            assert ("User: hi\nAssistant:", ["\n###"]) == (
                request["prompt"],
                request["stop"],
            )
            assert [("c", "hey there")] == h.outbox.sent

        run(scenario())

    def test_multi_line_reply_is_several_messages(self) -> None:
        """Each line of a reply is sent as its own message, a short delay apart."""

        async def scenario() -> None:
            h = Harness(["haha\n\nok wait\nwhat"], quiet=pendulum.duration())
            await h.exchange("hi")

            assert [("c", "haha"), ("c", "ok wait"), ("c", "what")] == h.outbox.sent
            assert [1.5, 1.5] == h.clock.sleeps
            assert ["hi", "haha\nok wait\nwhat"] == [
                t.text for t in h.responder.buffer("c").entries
            ]

        run(scenario())

    def test_one_message_when_not_splitting(self) -> None:
        """With split_lines off, a multi-line reply is one message."""

        async def scenario() -> None:
            h = Harness(["a\nb"], split_lines=False)
            await h.exchange("hi")

            assert [("c", "a\nb")] == h.outbox.sent

        run(scenario())

    def test_empty_reply_stays_quiet(self) -> None:
        """An empty reply sends nothing."""

        async def scenario() -> None:
            h = Harness(["  "])
            await h.exchange("hi")

            assert [] == h.outbox.sent

        run(scenario())

    def test_options_reach_the_endpoint(self) -> None:
        """Reply length and temperature are sent with the request."""

        async def scenario() -> None:
            h = Harness(["hey"], max_reply_tokens=40, temperature=0.7)
            await h.exchange("hi")

            request = h.endpoint.requests[0]
            assert (40, 0.7) == (request["max_tokens"], request["temperature"])

        run(scenario())

    def test_restored_buffer_is_used(self) -> None:
        """A buffer restored from JSON is the chat's memory."""

        async def scenario() -> None:
            h = Harness(["hey"])
            saved = ConversationBuffer(ADA)
            saved.add(h.message(CEM, "remember me?"))
            h.responder.restore("c", ConversationBuffer.from_json(saved.to_json()))
            await h.exchange("hi")

            assert ["remember me?", "hi"] == [
                m["content"] for m in h.endpoint.requests[0]["messages"][1:]
            ]

        run(scenario())


class TestFailures:
    def test_server_errors_are_retried_with_backoff(self) -> None:
        """5xx answers are retried after growing waits, then the reply is sent."""

        async def scenario() -> None:
            h = Harness([500, 503, "hey"])
            await h.exchange("hi")

            assert [("c", "hey")] == h.outbox.sent
            assert [25.0, 2.0, 4.0] == h.clock.sleeps

        run(scenario())

    def test_rate_limit_honours_retry_after(self) -> None:
        """A 429's Retry-After sets the wait, up to the back-off's maximum."""

        async def scenario() -> None:
            h = Harness([(429, {"retry-after": "7"}), "hey"])
            await h.exchange("hi")

            assert ([25.0, 7.0], [("c", "hey")]) == (h.clock.sleeps, h.outbox.sent)

        run(scenario())

    def test_rate_limit_honours_retry_after_ms(self) -> None:
        """A 429's retry-after-ms sets the wait (the same policy as fine-tuning)."""

        async def scenario() -> None:
            h = Harness([(429, {"retry-after-ms": "1500"}), "hey"])
            await h.exchange("hi")

            assert ([25.0, 1.5], [("c", "hey")]) == (h.clock.sleeps, h.outbox.sent)

        run(scenario())

    @pytest.mark.parametrize("failure", [OutOfQuota(), Refused()])
    def test_hopeless_failures_are_not_retried(self, failure: Step) -> None:
        """An exhausted quota or a refused connection is not asked again."""

        async def scenario() -> None:
            h = Harness([failure, "hey"])
            await h.exchange("hi")

            assert ([], [25.0], 1) == (h.outbox.sent, h.clock.sleeps, len(h.endpoint.requests))

        run(scenario())

    @pytest.mark.parametrize("failure", [Timeout(), Unreachable(), 502, 429])
    def test_persistent_failure_stays_quiet(
        self, failure: Step, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A failing endpoint gets bounded retries; nothing reaches the chat."""

        async def scenario() -> None:
            h = Harness([failure], backoff=Backoff(attempts=3))
            with caplog.at_level(logging.WARNING, logger="persona_clone.serving.responder"):
                await h.exchange("hi")

            assert [] == h.outbox.sent
            assert [25.0, 2.0, 4.0] == h.clock.sleeps
            assert "staying quiet" in caplog.records[-1].getMessage()

        run(scenario())

    @pytest.mark.parametrize("status", [400, 401, 404])
    def test_refusal_is_not_retried(self, status: int) -> None:
        """A request the endpoint refuses is not retried, and nothing is sent."""

        async def scenario() -> None:
            h = Harness([status, "hey"])
            await h.exchange("hi")

            assert ([], 1) == (h.outbox.sent, len(h.endpoint.requests))

        run(scenario())

    def test_send_failure_does_not_crash(self, caplog: pytest.LogCaptureFixture) -> None:
        """A failing send is logged; the responder keeps working."""

        async def scenario() -> None:
            h = Harness(["hey"])

            async def broken(chat: str, text: str) -> None:
                raise OSError("chat service down")

            h.responder.send = broken
            await h.exchange("hi")
            h.responder.send = h.outbox
            await h.exchange("again")

            assert [("c", "hey")] == h.outbox.sent
            assert any("failed" in r.getMessage() for r in caplog.records)

        run(scenario())

    def test_flush_does_not_ask_again_after_failure(self) -> None:
        """After a failed attempt, flush() waits for something new to ask again."""

        async def scenario() -> None:
            h = Harness([401, "hey"])
            await h.exchange("hi")
            await h.responder.flush()
            requests_after_flush = len(h.endpoint.requests)
            await h.exchange("hello?")

            assert (1, [("c", "hey")]) == (requests_after_flush, h.outbox.sent)

        run(scenario())

    def test_backoff_needs_an_attempt(self) -> None:
        """A back-off without any attempt is refused."""
        with pytest.raises(ConfigError, match="at least 1 attempt"):
            Harness(["x"], backoff=Backoff(attempts=0))

    def test_backoff_is_capped(self) -> None:
        """Waits grow by the factor up to the maximum."""
        backoff = Backoff(attempts=5, maximum=pendulum.duration(seconds=10))

        assert [2.0, 4.0, 8.0, 10.0] == list(backoff.delays())


class TestLoopGuard:
    def test_regenerate_raises_penalties(self) -> None:
        """A repeated reply is asked again with higher penalties."""

        async def scenario() -> None:
            h = Harness(["lol", "lol", "lol", "ok fine, coming"])
            for text in ("a", "b", "c"):
                await h.exchange(text)

            assert ["lol", "lol", "ok fine, coming"] == [t for _, t in h.outbox.sent]
            assert 0.6 == h.endpoint.requests[3]["frequency_penalty"]
            assert "frequency_penalty" not in h.endpoint.requests[2]
            intervention = h.responder.guard.interventions[0]
            assert (LoopPolicy.REGENERATE, 1) == (
                intervention.policy,
                intervention.attempt,
            )

        run(scenario())

    def test_regenerate_is_bounded(self) -> None:
        """After max_attempts repeated replies the clone stays silent."""

        async def scenario() -> None:
            h = Harness(["lol lol lol lol"], guard=LoopGuard(max_attempts=3))
            await h.exchange("hi")

            assert ([], 3) == (h.outbox.sent, len(h.endpoint.requests))
            assert ["regenerating with higher penalties"] * 2 + ["stayed silent"] == [
                i.action for i in h.responder.guard.interventions
            ]

        run(scenario())

    def test_drop_removes_repeated_replies(self) -> None:
        """DROP removes the repeated replies from the buffer, then asks again."""

        async def scenario() -> None:
            h = Harness(
                ["lol", "lol", "lol", "sorry, what?"],
                guard=LoopGuard(policy=LoopPolicy.DROP),
            )
            for text in ("a", "b", "c"):
                await h.exchange(text)

            assert ["lol", "lol", "sorry, what?"] == [t for _, t in h.outbox.sent]
            contents = [m["content"] for m in h.endpoint.requests[3]["messages"]]
            assert "lol" not in contents
            assert ["a\nb\nc", "sorry, what?"] == [t.text for t in h.responder.buffer("c").entries]

        run(scenario())

    @pytest.mark.parametrize("policy", [LoopPolicy.REGENERATE, LoopPolicy.DROP, LoopPolicy.SILENT])
    def test_every_policy_checks_every_reply_it_sends(self, policy: LoopPolicy) -> None:
        """A model stuck on "lol" says it at most twice in 30 rounds, whatever the policy."""

        async def scenario() -> None:
            h = Harness(["lol"], guard=LoopGuard(policy=policy))
            for number in range(30):
                await h.exchange(f"message {number}")

            assert [("c", "lol"), ("c", "lol")] == h.outbox.sent

        run(scenario())

    def test_silent_sends_nothing(self) -> None:
        """SILENT sends nothing when the reply repeats."""

        async def scenario() -> None:
            h = Harness(["lol lol lol lol"], guard=LoopGuard(policy=LoopPolicy.SILENT))
            await h.exchange("hi")

            assert ([], 1) == (h.outbox.sent, len(h.responder.guard.interventions))

        run(scenario())

    def test_off_sends_and_records(self) -> None:
        """OFF sends a repeating reply as it is and records what the guard found."""

        async def scenario() -> None:
            h = Harness(["lol lol lol lol"], guard=LoopGuard(policy=LoopPolicy.OFF))
            await h.exchange("hi")

            assert [("c", "lol lol lol lol")] == h.outbox.sent
            assert ["sent anyway (guard off)"] == [
                i.action for i in h.responder.guard.interventions
            ]
            assert 1 == len(h.endpoint.requests)

        run(scenario())


class TestConnect:
    def test_local_endpoint_needs_no_key(self) -> None:
        """A base URL without a key builds a client (local servers ignore keys)."""
        client = connect(base_url="http://127.0.0.1:11434/v1")

        assert ("http://127.0.0.1:11434/v1/", 0) == (
            str(client.base_url),
            client.max_retries,
        )

    def test_base_url_keeps_the_environment_key(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """With a base URL, OPENAI_API_KEY is still the key sent to the endpoint."""
        monkeypatch.setenv("OPENAI_API_KEY", "sk-compatible")

        client = connect(base_url="http://127.0.0.1:11434/v1")

        assert "sk-compatible" == client.api_key

    def test_no_key_no_url(self) -> None:
        """Without a key or a base URL, ConfigError says what is missing, in our words."""
        with pytest.raises(ConfigError, match="OPENAI_API_KEY") as caught:
            connect()

        assert "workload_identity" not in str(caught.value)
        assert "--base-url" in str(caught.value)

    def test_malformed_key_is_named_not_shown(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A key with a trailing carriage return is refused, without showing it."""
        monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-value\r")

        with pytest.raises(ConfigError, match="carriage return") as caught:
            connect(base_url="http://127.0.0.1:11434/v1")

        assert "secret" not in str(caught.value)


class TestLivePrivacy:
    def test_opted_out_people_never_reach_the_model(self) -> None:
        """Messages by someone who opted out are not kept and never sent to the model."""

        async def scenario() -> None:
            privacy = LivePrivacy(consent=Consent(excluded=frozenset({"Cem"})))
            h = Harness(["hey"], privacy=privacy)
            await h.say("c", CEM, "my secret plans")
            await h.exchange("hi")

            sent = json.dumps(h.endpoint.requests)
            assert "secret plans" not in sent
            assert ["hi"] == [t.text for t in h.responder.buffer("c").entries][:1]

        run(scenario())

    def test_personal_data_is_redacted_both_ways(self) -> None:
        """Phone numbers and e-mails are replaced before the model and before the chat."""

        async def scenario() -> None:
            h = Harness(["write to ada@example.com or +90 532 123 45 67"])
            await h.exchange("call me on +90 532 765 43 21, bob@example.org")

            sent = json.dumps(h.endpoint.requests)
            assert "765 43 21" not in sent
            assert "bob@example.org" not in sent
            assert "call me on <PHONE>, <EMAIL>" in sent
            assert [("c", "write to <EMAIL> or <PHONE>")] == h.outbox.sent

        run(scenario())


class TestModeration:
    def test_flagged_reply_is_not_sent_and_is_logged(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A reply the moderator flags is held back; the log gives the reason, not the reply."""

        async def scenario() -> None:
            h = Harness(
                ["you are all idiots", "ok then"], moderator=WordListModerator(words=("idiots",))
            )
            with caplog.at_level(logging.WARNING, logger="persona_clone.serving.responder"):
                await h.exchange("hi")
            await h.exchange("hello?")

            assert [("c", "ok then")] == h.outbox.sent
            logged = [r.getMessage() for r in caplog.records]
            assert any("not sent: moderation flagged it (word list entry 1)" in m for m in logged)
            assert not any("idiots" in m for m in logged)

        run(scenario())


class TestOutcome:
    def test_unreachable_when_every_request_failed(self) -> None:
        """The outcome says the endpoint was unreachable, naming the refused URL."""

        async def scenario() -> None:
            h = Harness([Refused()])
            await h.exchange("hi")
            await h.exchange("hello?")

            outcome = h.responder.outcome
            assert (0, 2, True) == (outcome.answered, outcome.failed, outcome.unreachable)
            assert "connection refused by http://127.0.0.1/v1/chat/completions" == (
                outcome.last_failure
            )

        run(scenario())

    def test_one_failure_among_answers_is_not_unreachable(self) -> None:
        """One failed reply among answered ones leaves the endpoint reachable."""

        async def scenario() -> None:
            h = Harness([401, "hey"])
            await h.exchange("hi")
            await h.exchange("hello?")

            assert (1, 1, False) == (
                h.responder.outcome.answered,
                h.responder.outcome.failed,
                h.responder.outcome.unreachable,
            )

        run(scenario())

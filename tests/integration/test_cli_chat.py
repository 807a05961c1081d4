"""The ``persona-clone chat`` command, end to end through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from openai_mock import Refused, ScriptedEndpoint, Step
from persona_clone.cli import main
from persona_clone.testing import FakeOpenAI


BASE = [
    "chat",
    "--model",
    "ft:cem",
    "--persona",
    "Cem",
    "--base-url",
    "http://127.0.0.1/v1",
]


def invoke(script: list[Step], text: str, *args: str) -> tuple[Result, ScriptedEndpoint]:
    """Run the chat command over *text* against a scripted endpoint."""
    endpoint = ScriptedEndpoint(script)
    result = CliRunner().invoke(
        main,
        [*BASE, "--line-delay", "0", *args],
        input=text,
        obj={"http_client": endpoint.http_client()},
    )
    return result, endpoint


class TestChatCommand:
    def test_pipeline_answers_at_end_of_input(self) -> None:
        """Piped input gets one answer to the whole burst at end of input, exit 0."""
        result, endpoint = invoke(["selam!"], "Ada: hi\nhow are you\nBob: yo\n")

        assert (0, "Cem: selam!\n") == (result.exit_code, result.stdout)
        assert [
            {"role": "user", "name": "Ada", "content": "hi\nhow are you"},
            {"role": "user", "name": "Bob", "content": "yo"},
        ] == endpoint.requests[0]["messages"]

    def test_quiet_zero_answers_each_line(self) -> None:
        """With --quiet 0 the clone answers each message before the next is read."""
        result, endpoint = invoke(["one", "two"], "Ada: hi\nBob: yo\n", "--quiet", "0")

        assert "Cem: one\nCem: two\n" == result.stdout
        assert ["hi", "one", "yo"] == [m["content"] for m in endpoint.requests[1]["messages"]]

    def test_multi_line_reply_is_several_lines(self) -> None:
        """A multi-line reply prints one NAME: line per line."""
        result, _ = invoke(["haha\nwait what"], "Ada: hi\n")

        assert "Cem: haha\nCem: wait what\n" == result.stdout

    def test_system_prompt(self) -> None:
        """--system-prompt opens the conversation, as in training."""
        _, endpoint = invoke(["ok"], "Ada: hi\n", "--system-prompt", "You are Cem.")

        assert {"role": "system", "content": "You are Cem."} == endpoint.requests[0]["messages"][0]

    def test_line_without_a_speaker_first(self) -> None:
        """A first line without a name is reported on stderr and skipped."""
        result, endpoint = invoke(["ok"], "hello?\nAda: hi\n")

        assert (0, "Cem: ok\n") == (result.exit_code, result.stdout)
        assert "<stdin>:1: expected 'Name: text'" in result.stderr
        assert 1 == len(endpoint.requests[0]["messages"])

    def test_indented_line_continues(self) -> None:
        """A line starting with a space continues the speaker even if it has a colon."""
        _, endpoint = invoke(["ok"], "Ada: list:\n  Note: bring tea\n")

        assert "list:\nNote: bring tea" == endpoint.requests[0]["messages"][0]["content"]

    def test_legacy_format(self) -> None:
        """--format legacy asks the completions endpoint with the rendered prompt."""
        _, endpoint = invoke([" hey"], "Ada: hi\n", "--format", "legacy", "--named")

        assert "/v1/completions" == endpoint.paths[0]
        assert "Ada: hi\nCem:" == endpoint.requests[0]["prompt"]

    def test_aliases(self, tmp_path: Path) -> None:
        """--aliases names speakers canonically, as the dataset did."""
        aliases = tmp_path / "aliases.json"
        aliases.write_text(
            json.dumps({"person": [{"id": "ada", "name": "Ada", "aliases": ["Adac\u0131k"]}]}),
            encoding="utf-8",
        )
        _, endpoint = invoke(["ok"], "Adac\u0131k: hi\n", "--aliases", str(aliases))

        assert "Ada" == endpoint.requests[0]["messages"][0]["name"]

    def test_names_file_from_build(self, tmp_path: Path) -> None:
        """With the dataset's names.json, people get exactly the names training gave them."""
        out = tmp_path / "out"
        built = CliRunner().invoke(
            main, ["build", "--sample", "--persona", "Deniz", "-o", str(out)]
        )
        assert 0 == built.exit_code, built.output
        book = (out / "names.json").read_text(encoding="utf-8")
        assert "532" not in book
        trained = {
            message.get("name")
            for line in (out / "train.jsonl").read_text(encoding="utf-8").splitlines()
            for message in json.loads(line)["messages"]
        }
        # a newcomer speaks before the sample's phone-number participant (Contact_1)
        text = "+90 555 000 00 00: selam\n+90 532 555 01 47: naber\n\u00c7a\u011fr\u0131: hi\n"

        result, endpoint = invoke(["ok"], text, "--names", str(out / "names.json"))

        assert 0 == result.exit_code, result.output
        names = [message["name"] for message in endpoint.requests[0]["messages"]]
        assert ["Contact_2", "Contact_1", "Cagri"] == names
        assert {"Contact_1"} <= trained
        assert "Contact_2" not in trained

    def test_bad_names_file(self, tmp_path: Path) -> None:
        """A file that is not a saved name book is a one-line error."""
        path = tmp_path / "names.json"
        path.write_text("[]", encoding="utf-8")

        result, _ = invoke(["ok"], "Ada: hi\n", "--names", str(path))

        assert 1 == result.exit_code
        assert f"Error: {path}: expected a saved name book" in result.output

    def test_endpoint_refusal_fails_when_nothing_was_said(self) -> None:
        """When every model call is refused the command exits 1 and says why on stderr."""
        result, _ = invoke([404], "Ada: hi\n")

        assert (1, "") == (result.exit_code, result.stdout)
        assert "the model never answered: 1 of 1 replies failed (last: NotFoundError 404)" in (
            result.stderr
        )

    def test_unreachable_model_fails_naming_the_url(self) -> None:
        """Nothing listening at the endpoint: exit 1, naming the refused URL."""
        result, _ = invoke([Refused()], "Ada: hi\nBob: yo\n", "--quiet", "0")

        assert 1 == result.exit_code
        assert "2 of 2 replies failed" in result.stderr
        assert "connection refused by http://127.0.0.1/v1/chat/completions" in result.stderr

    def test_one_failure_among_many_is_a_warning(self) -> None:
        """One failed reply among answered ones: exit 0 with a warning on stderr."""
        result, _ = invoke([401, "two"], "Ada: hi\nBob: yo\n", "--quiet", "0")

        assert (0, "Cem: two\n") == (result.exit_code, result.stdout)
        assert "warning: 1 of 2 replies failed (last: AuthenticationError 401)" in result.stderr

    def test_invalid_utf8_is_replaced_and_the_clone_goes_on(self) -> None:
        """An invalid UTF-8 byte on stdin becomes U+FFFD; later lines are answered too."""
        endpoint = ScriptedEndpoint(["one", "two"])
        result = CliRunner().invoke(
            main,
            [*BASE, "--line-delay", "0", "--quiet", "0"],
            input=b"Ada: bad \xff byte\nBob: still here\n",
            obj={"http_client": endpoint.http_client()},
        )

        assert (0, "Cem: one\nCem: two\n") == (result.exit_code, result.stdout)
        assert "bad \ufffd byte" == endpoint.requests[0]["messages"][-1]["content"]

    def test_opted_out_people_never_reach_the_model(self) -> None:
        """--exclude: that person's messages are never sent; their name is redacted."""
        result, endpoint = invoke(
            ["ok"], "Bob: my address is secret\nAda: did Bob say hi?\n", "--exclude", "Bob"
        )

        sent = json.dumps(endpoint.requests)
        assert 0 == result.exit_code, result.output
        assert "secret" not in sent
        assert "did <NAME> say hi?" in sent

    def test_people_file_opt_outs_apply(self, tmp_path: Path) -> None:
        """The people file's opted_out entries keep those people away from the model."""
        people = tmp_path / "people.toml"
        people.write_text(
            '[[person]]\nid = "bob"\nname = "Bob"\nopted_out = true\n', encoding="utf-8"
        )

        _, endpoint = invoke(["ok"], "Bob: my secret\nAda: hi\n", "--aliases", str(people))

        assert "secret" not in json.dumps(endpoint.requests)

    def test_personal_data_is_redacted_both_ways(self) -> None:
        """Phone numbers and e-mails are replaced before the model and in the clone's reply."""
        result, endpoint = invoke(
            ["mail me: cem@example.com"], "Ada: call +90 532 123 45 67 or ada@example.org\n"
        )

        sent = json.dumps(endpoint.requests)
        assert "123 45 67" not in sent
        assert "ada@example.org" not in sent
        assert "Cem: mail me: <EMAIL>\n" == result.stdout

    def test_secrets_are_redacted_before_the_model(self) -> None:
        """An API key pasted into the chat is replaced by <SECRET> before it is sent."""
        _, endpoint = invoke(["oops"], "Ada: key sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z\n")

        sent = json.dumps(endpoint.requests)
        assert "Ab3dEf6h" not in sent
        assert "key <SECRET>" in sent

    def test_word_list_moderation_holds_a_reply_back(self, tmp_path: Path) -> None:
        """--moderate-words: a reply with a listed word is not printed; the next one is."""
        words = tmp_path / "words.txt"
        words.write_text("# never say\nidiots\n", encoding="utf-8")

        result, _ = invoke(
            ["you idiots", "fine"],
            "Ada: hi\nBob: yo\n",
            "--quiet",
            "0",
            "--moderate-words",
            str(words),
        )

        assert (0, "Cem: fine\n") == (result.exit_code, result.stdout)

    def test_needs_a_key_or_url(self) -> None:
        """Without a key or a base URL the command says what is missing."""
        result = CliRunner().invoke(
            main, ["chat", "--model", "m", "--persona", "Cem"], input="Ada: hi\n"
        )

        assert 1 == result.exit_code
        assert "OPENAI_API_KEY" in result.stderr
        assert "--base-url" in result.stderr
        assert "workload_identity" not in result.output

    @pytest.mark.parametrize("bad", [["--quiet", "-1"], ["--format", "xml"]])
    def test_bad_options(self, bad: list[str]) -> None:
        """Invalid option values are usage errors."""
        result, _ = invoke(["ok"], "", *bad)

        assert 2 == result.exit_code


class TestAgainstFakeOpenAI:
    def test_endpoint_moderation_holds_a_flagged_reply_back(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        """--moderate asks the server's /v1/moderations; a flagged reply is logged, not sent."""
        with FakeOpenAI(
            replies=["you idiot", "fine"], flagged_words={"idiot": "harassment"}
        ) as fake:
            result = CliRunner().invoke(
                main,
                [
                    "chat",
                    "--model",
                    "ft:gpt-4o-mini-2024-07-18:fake-org:cem:abc123",
                    "--persona",
                    "Cem",
                    "--base-url",
                    fake.base_url,
                    "--quiet",
                    "0",
                    "--line-delay",
                    "0",
                    "--moderate",
                ],
                input="Ada: hi\nBob: yo\n",
                env={"OPENAI_API_KEY": "test"},
            )
            checked = [r.json["input"] for r in fake.requests_to("POST", "/v1/moderations")]

        assert (0, "Cem: fine\n") == (result.exit_code, result.stdout), result.output
        assert ["you idiot", "fine"] == checked
        assert "not sent: moderation flagged it (harassment)" in caplog.text
        assert "you idiot" not in caplog.text

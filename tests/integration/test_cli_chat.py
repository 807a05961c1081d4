"""The ``persona-clone chat`` command, end to end through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from openai_mock import ScriptedEndpoint, Step
from persona_clone.cli import main


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

    def test_endpoint_refusal_exits_cleanly(self, caplog: pytest.LogCaptureFixture) -> None:
        """An endpoint refusing the model prints no reply, logs why, and exits 0."""
        result, _ = invoke([404], "Ada: hi\n")

        assert (0, "") == (result.exit_code, result.stdout)
        assert "NotFoundError 404" in caplog.text

    def test_needs_a_key_or_url(self) -> None:
        """Without a key or a base URL the command says what is missing."""
        result = CliRunner().invoke(
            main, ["chat", "--model", "m", "--persona", "Cem"], input="Ada: hi\n"
        )

        assert 1 == result.exit_code
        assert "OPENAI_API_KEY" in result.stderr

    @pytest.mark.parametrize("bad", [["--quiet", "-1"], ["--format", "xml"]])
    def test_bad_options(self, bad: list[str]) -> None:
        """Invalid option values are usage errors."""
        result, _ = invoke(["ok"], "", *bad)

        assert 2 == result.exit_code

"""Tests for the parser registry: discovery, detection, conflicts and plugins."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pendulum
import pytest

import persona_clone
from persona_clone import (
    AmbiguousFormatError,
    CollectingIssueSink,
    Message,
    ParseContext,
    ParseError,
    Parser,
    ParserRegistry,
    PluginError,
    Sample,
    Severity,
    Source,
    UnknownFormatError,
    parse,
)
from persona_clone.errors import ParseWarning
from persona_clone.parsers import BUILTIN_PARSERS, carries_replies, resolve_parser
from persona_clone.testing import make_message


TOY_MODULE = '''
"""A toy chat format: a TOYCHAT line, then 'ISO time | author | text' lines."""

import pendulum

from persona_clone import Message, Participant, SourceRef


class ToyParser:
    name = "toy"

    def sniff(self, sample):
        return 1.0 if sample.head.startswith(b"TOYCHAT") else 0.0

    def parse(self, source, context):
        with source.open_text() as handle:
            for number, line in enumerate(handle, start=1):
                if number == 1:
                    continue
                when, author, text = line.rstrip("\\n").split(" | ", 2)
                yield Message(
                    id=str(number),
                    sent_at=pendulum.parse(when),
                    author=Participant.from_name(author),
                    text=text,
                    source=SourceRef(file=source.name, line=number),
                )
'''

TELEGRAM_TOY = "\n\nclass TelegramToy(ToyParser):\n    name = 'telegram'\n"

TOY_CHAT = (
    "TOYCHAT\n2024-05-06T09:15:00+03:00 | Ada | selam\n2024-05-06T09:16:00+03:00 | Bob | hi\n"
)

CHECK = """
import json, sys
import persona_clone
from persona_clone import ParserRegistry, parse

registry = ParserRegistry.default()
loaded_early = "toy_plugin" in sys.modules
messages = list(parse(sys.argv[1]))
print(json.dumps({
    "names": list(registry.names),
    "loaded_early": loaded_early,
    "messages": [[m.author.name, m.text] for m in messages],
}))
"""


def fake_distribution(
    site: Path,
    dist: str,
    entries: dict[str, str],
    modules: dict[str, str] | None = None,
) -> None:
    """Install a distribution by hand: modules plus a .dist-info with entry points."""
    site.mkdir(parents=True, exist_ok=True)
    for module, code in (modules or {}).items():
        (site / f"{module}.py").write_text(code, encoding="utf-8")
    info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n", encoding="utf-8"
    )
    lines = "".join(f"{name} = {target}\n" for name, target in entries.items())
    (info / "entry_points.txt").write_text(f"[persona_clone.parsers]\n{lines}", encoding="utf-8")


def run_check(site: Path, chat: Path) -> dict[str, object]:
    """Run the registry check in a fresh interpreter that sees *site*."""
    result = subprocess.run(
        [sys.executable, "-c", CHECK, str(chat)],
        env={"PYTHONPATH": str(site), "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert 0 == result.returncode, result.stderr
    value: dict[str, object] = json.loads(result.stdout)
    return value


class Fixed:
    """Parsers with a fixed score, to test detection."""

    @staticmethod
    def make(format_name: str, score: float) -> type[Parser]:
        class FixedParser:
            name: ClassVar[str] = format_name

            def sniff(self, sample: Sample) -> float:
                return score

            def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
                yield make_message()

        return FixedParser


@pytest.fixture(name="chat")
def _chat(tmp_path: Path) -> Path:
    path = tmp_path / "chat.toy"
    path.write_text(TOY_CHAT, encoding="utf-8")
    return path


class TestDetection:
    def test_best_score_wins(self, chat: Path) -> None:
        """Detection picks the parser with the highest score."""
        registry = ParserRegistry.of(Fixed.make("low", 0.3), Fixed.make("high", 0.8))

        assert "high" == registry.detect(Source(path=chat)).name

    def test_unknown_lists_every_parser_and_score(self, chat: Path) -> None:
        """When every parser scores zero the error lists each one with its score."""
        registry = ParserRegistry.of(Fixed.make("a", 0.0), Fixed.make("b", 0.0))

        with pytest.raises(UnknownFormatError) as info:
            registry.detect(Source(path=chat))

        assert (("a", 0.0), ("b", 0.0)) == info.value.scores
        assert "a=0.00, b=0.00" in str(info.value)

    def test_tie_is_ambiguous(self, chat: Path) -> None:
        """Two parsers sharing the top score raise AmbiguousFormatError with scores."""
        registry = ParserRegistry.of(
            Fixed.make("a", 0.7), Fixed.make("b", 0.7), Fixed.make("c", 0.1)
        )

        with pytest.raises(AmbiguousFormatError) as info:
            registry.detect(Source(path=chat))

        assert [("a", 0.7), ("b", 0.7), ("c", 0.1)] == list(info.value.scores)

    def test_scores_are_clamped(self, chat: Path) -> None:
        """Scores outside 0..1 are clamped."""
        registry = ParserRegistry.of(Fixed.make("big", 7.0), Fixed.make("neg", -1.0))

        assert [("big", 1.0), ("neg", 0.0)] == registry.scores(Source(path=chat).sample())

    def test_raising_sniffer_scores_zero(
        self, chat: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A sniffer that raises is logged and scores zero; the others still detect."""

        class Broken:
            name: ClassVar[str] = "broken"

            def sniff(self, sample: Sample) -> float:
                raise RuntimeError("boom")

            def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
                yield make_message()

        registry = ParserRegistry.of(Broken, Fixed.make("ok", 0.5))

        with caplog.at_level(logging.WARNING):
            found = registry.detect(Source(path=chat))

        assert "ok" == found.name
        assert "boom" in caplog.text

    def test_same_name_twice_is_refused(self) -> None:
        """Two parsers with one name cannot share a registry."""
        with pytest.raises(PluginError, match="'a'"):
            ParserRegistry.of(Fixed.make("a", 0.1), Fixed.make("a", 0.2))

    def test_unknown_name(self) -> None:
        """Asking for a format nobody provides lists the known names."""
        registry = ParserRegistry.of(Fixed.make("a", 0.1))

        with pytest.raises(UnknownFormatError, match=r"a=0\.00"):
            registry.get("nope")

    def test_missing_path(self, tmp_path: Path) -> None:
        """A path that does not exist is a clear error."""
        with pytest.raises(ParseError, match="nothing there"):
            parse(tmp_path / "missing.json")

    def test_every_builtin_loads(self) -> None:
        """Every built-in parser loads and carries the name it is registered under."""
        registry = ParserRegistry.default()

        assert {name: name for name in BUILTIN_PARSERS} == {
            name: registry.get(name).name for name in BUILTIN_PARSERS
        }

    def test_builtins_are_entry_points_too(self) -> None:
        """pyproject.toml (or, installed, the metadata) declares each built-in as an entry point."""
        from importlib.metadata import entry_points  # noqa: PLC0415

        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        if pyproject.is_file():  # a source checkout: installed metadata may be older
            if sys.version_info >= (3, 11):
                import tomllib  # noqa: PLC0415
            else:  # pragma: no cover - Python 3.10
                import tomli as tomllib  # noqa: PLC0415
            project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
            declared = dict(project["entry-points"]["persona_clone.parsers"])
        else:
            declared = {
                point.name: point.value
                for point in entry_points(group="persona_clone.parsers")
                if point.dist is not None and point.dist.name == "persona-clone"
            }

        assert dict(BUILTIN_PARSERS) == declared


class TestPlugins:
    def test_plugin_found_and_used(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chat: Path
    ) -> None:
        """A distribution on sys.path is found by its entry point and auto-detected."""
        site = tmp_path / "site"
        fake_distribution(
            site,
            "toy-dist",
            {"toy": "toy_plugin:ToyParser"},
            {"toy_plugin": TOY_MODULE},
        )
        monkeypatch.syspath_prepend(str(site))

        registry = ParserRegistry.default()
        messages = list(parse(chat, registry=registry))

        assert "toy" in registry.names
        assert [("Ada", "selam"), ("Bob", "hi")] == [
            (m.author.name if m.author else None, m.text) for m in messages
        ]
        assert pendulum.datetime(2024, 5, 6, 6, 15, tz="UTC") == messages[0].sent_at

    def test_entry_point_key_must_equal_the_parser_name(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chat: Path
    ) -> None:
        """A plugin registered under a key other than its class's name is refused, naming both."""
        fake_distribution(
            tmp_path / "site",
            "misnamed-dist",
            {"toychat": "toy_plugin:ToyParser"},
            {"toy_plugin": TOY_MODULE},
        )
        monkeypatch.syspath_prepend(str(tmp_path / "site"))
        registry = ParserRegistry.default()

        with pytest.raises(PluginError) as info:
            registry.get("toychat")
        with pytest.raises(PluginError, match="'toychat'"):
            ParserRegistry.default(strict=True).detect(Source(path=chat))

        assert "'toychat'" in str(info.value)
        assert "'toy'" in str(info.value)
        assert "misnamed-dist" in str(info.value)

    def test_name_clash_between_distributions(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Two distributions registering one name raise PluginError naming both."""
        fake_distribution(tmp_path / "one", "first-dist", {"toy": "first:Parser"})
        fake_distribution(tmp_path / "two", "second-dist", {"toy": "second:Parser"})
        monkeypatch.syspath_prepend(str(tmp_path / "one"))
        monkeypatch.syspath_prepend(str(tmp_path / "two"))

        with pytest.raises(PluginError) as info:
            ParserRegistry.default()

        assert {"first-dist", "second-dist"} <= set(str(info.value).replace("(", " ").split())

    def test_clash_with_builtin_needs_override(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A plugin may replace a built-in only with override=True."""
        fake_distribution(
            tmp_path,
            "better-telegram",
            {"telegram": "telegram_toy:TelegramToy"},
            {"telegram_toy": TOY_MODULE + TELEGRAM_TOY},
        )
        monkeypatch.syspath_prepend(str(tmp_path))

        with pytest.raises(PluginError, match="override=True"):
            ParserRegistry.default()
        replaced = ParserRegistry.default(override=True).get("telegram")
        assert "TelegramToy" == type(replaced).__name__

    def test_broken_plugin_is_reported_and_others_work(
        self,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture,
        chat: Path,
    ) -> None:
        """A plugin that fails to import is logged; the others keep working."""
        fake_distribution(
            tmp_path,
            "mixed-dist",
            {"broken": "broken_plugin:Parser", "toy": "toy_plugin:ToyParser"},
            {
                "broken_plugin": "raise ImportError('missing dependency')",
                "toy_plugin": TOY_MODULE,
            },
        )
        monkeypatch.syspath_prepend(str(tmp_path))
        registry = ParserRegistry.default()

        with caplog.at_level(logging.WARNING):
            found = registry.detect(Source(path=chat))

        assert "toy" == found.name
        assert "missing dependency" in caplog.text
        with pytest.raises(PluginError, match="mixed-dist"):
            registry.get("broken")

    def test_strict_registry_raises_for_broken_plugin(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chat: Path
    ) -> None:
        """A strict registry raises PluginError when a plugin fails to load."""
        fake_distribution(
            tmp_path,
            "broken-dist",
            {"broken": "broken_plugin:Parser"},
            {"broken_plugin": "raise ImportError('missing dependency')"},
        )
        monkeypatch.syspath_prepend(str(tmp_path))

        with pytest.raises(PluginError, match="missing dependency"):
            ParserRegistry.default(strict=True).detect(Source(path=chat))

    def test_hand_made_distribution_in_fresh_interpreter(self, tmp_path: Path, chat: Path) -> None:
        """A fresh interpreter finds a plugin on its path, loading it when used."""
        site = tmp_path / "site"
        fake_distribution(
            site,
            "toy-dist",
            {"toy": "toy_plugin:ToyParser"},
            {"toy_plugin": TOY_MODULE},
        )

        result = run_check(site, chat)

        assert "toy" in result["names"]  # type: ignore[operator]
        assert False is result["loaded_early"]
        assert [["Ada", "selam"], ["Bob", "hi"]] == result["messages"]

    def test_built_distribution_installed_with_pip(self, tmp_path: Path, chat: Path) -> None:
        """A plugin built and installed by pip is found and detects its files."""
        pytest.importorskip("hatchling", reason="building the plugin needs hatchling")
        project = tmp_path / "persona-clone-toy"
        project.mkdir()
        (project / "toy_plugin.py").write_text(TOY_MODULE, encoding="utf-8")
        (project / "pyproject.toml").write_text(
            textwrap.dedent(
                """
                [build-system]
                requires = ["hatchling"]
                build-backend = "hatchling.build"

                [project]
                name = "persona-clone-toy"
                version = "1.0"

                [project.entry-points."persona_clone.parsers"]
                toy = "toy_plugin:ToyParser"

                [tool.hatch.build.targets.wheel]
                include = ["toy_plugin.py"]
                """
            ),
            encoding="utf-8",
        )
        site = tmp_path / "site"
        install = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-index",
                "--no-build-isolation",
                "--no-deps",
                "--target",
                str(site),
                str(project),
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert 0 == install.returncode, install.stderr

        result = run_check(site, chat)

        assert "toy" in result["names"]  # type: ignore[operator]
        assert [["Ada", "selam"], ["Bob", "hi"]] == result["messages"]


class TestLazyLoading:
    def test_import_loads_no_parser(self) -> None:
        """Importing persona_clone or building the registry imports no parser."""
        code = (
            "import sys, persona_clone\n"
            "persona_clone.ParserRegistry.default()\n"
            "names = [m for m in sys.modules if m.startswith('persona_clone')]\n"
            "print('\\n'.join(sorted(names)))"
        )

        result = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )

        loaded = set(result.stdout.split())
        parsers = {m.split(":")[0] for m in BUILTIN_PARSERS.values()}
        assert set() == loaded & parsers
        assert "persona_clone.parsers.registry" in loaded

    def test_parser_classes_load_on_attribute_access(self) -> None:
        """The package's parser classes are the parser modules' classes."""
        from persona_clone.parsers.telegram import TelegramParser  # noqa: PLC0415

        assert TelegramParser is persona_clone.TelegramParser

    def test_parse_lenient_collects(self, tmp_path: Path) -> None:
        """parse() in lenient mode sends issues to the given sink and goes on."""
        path = tmp_path / "chat.txt"
        path.write_text("stray\n[2024-05-06, 09:15] A: one\n", encoding="utf-8")
        sink = CollectingIssueSink()

        messages = list(parse(path, format="signal", issues=sink))

        assert (1, 1) == (len(messages), len(sink.issues))

    def test_lenient_loss_is_visible_by_default(self, tmp_path: Path) -> None:
        """Without a sink, lenient parsing warns once at the end with the count and first place."""
        path = tmp_path / "chat.txt"
        path.write_text(
            "stray\nstray too\n[2024-05-06, 09:15] A: one\n[2024-05-06, 09:16] A: two\n",
            encoding="utf-8",
        )
        stream = parse(path, format="signal")

        first = next(stream)
        with pytest.warns(ParseWarning) as caught:
            rest = list(stream)

        assert ["one", "two"] == [first.text, *[m.text for m in rest]]
        assert 1 == len(caught)
        warning = str(caught[0].message)
        assert "2 parse issue(s) skipped or cut input (2 line(s)" in warning
        assert "chat.txt:1" in warning
        assert "stray" not in warning

    def test_guesses_alone_do_not_warn(self, tmp_path: Path, chat: Path) -> None:
        """Issues that lose nothing (warnings accounting for no line) raise no ParseWarning."""

        class Guessing(Fixed.make("toy", 1.0)):  # type: ignore[misc]
            def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
                context.report("chat.toy:1", "a zone", severity=Severity.WARNING, lines=0)
                yield make_message()

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            messages = list(parse(chat, registry=ParserRegistry.of(Guessing)))

        assert 1 == len(messages)

    def test_no_warning_with_a_sink_or_a_clean_file(self, tmp_path: Path) -> None:
        """A caller's sink takes the issues silently; a clean export warns nothing."""
        broken = tmp_path / "broken.txt"
        broken.write_text("stray\n[2024-05-06, 09:15] A: one\n", encoding="utf-8")
        clean = tmp_path / "clean.txt"
        clean.write_text("[2024-05-06, 09:15] A: one\n", encoding="utf-8")
        sink = CollectingIssueSink()

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            list(parse(broken, format="signal", issues=sink))
            list(parse(clean, format="signal"))

        assert 1 == len(sink.issues)

    def test_parse_strict_raises(self, tmp_path: Path) -> None:
        """parse(strict=True) raises ParseError at the first problem, with its line."""
        path = tmp_path / "chat.txt"
        path.write_text("stray\n[2024-05-06, 09:15] A: one\n", encoding="utf-8")

        with pytest.raises(ParseError, match=r"chat\.txt:1"):
            list(parse(path, format="signal", strict=True))


class TestReplyLinks:
    """Which formats can link a message to the one it answers."""

    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("whatsapp", False),
            ("signal", False),
            ("messenger", False),
            ("discord-csv", False),
            ("discord-json", True),
            ("telegram", True),
            ("slack", True),
            ("persona-clone-jsonl", True),
        ],
    )
    def test_built_in_formats_say_whether_they_carry_replies(
        self, name: str, expected: bool
    ) -> None:
        """Only formats with reply links make a build keep recent messages for them."""
        assert expected == carries_replies(ParserRegistry.default().get(name))

    def test_a_plugin_without_the_attribute_is_assumed_to_carry_replies(self) -> None:
        """The safe default: a third-party format may link replies."""
        assert carries_replies(Fixed.make("toy", 0.5)())

    def test_resolve_parser_names_the_format_parse_would_use(self, tmp_path: Path) -> None:
        """The detected parser is the one `parse` reads the file with."""
        chat = tmp_path / "chat.txt"
        chat.write_text("31/12/2023, 21:05 - Ada: selam\n", encoding="utf-8")

        assert "whatsapp" == resolve_parser(chat).name

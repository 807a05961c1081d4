"""The public surface: what each namespace exports, how it loads, and what importing it costs."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
import typing
from pathlib import Path
from types import ModuleType

import click
import pytest
from click.testing import CliRunner

import persona_clone
from persona_clone import cli


NAMESPACES = (
    "persona_clone",
    "persona_clone.conversation",
    "persona_clone.curation",
    "persona_clone.dataset",
    "persona_clone.evaluation",
    "persona_clone.finetune",
    "persona_clone.parsers",
    "persona_clone.privacy",
    "persona_clone.serving",
)
"""The packages whose names load on first use."""

DESIGN_CARD = (
    "ChatDatasetBuilder",
    "ChatRenderer",
    "ConversationBuffer",
    "DatasetBuilder",
    "FineTuner",
    "LegacyDatasetBuilder",
    "LoraFineTuner",
    "Merger",
    "Message",
    "NameRenderer",
    "OpenAIFineTuner",
    "Parser",
    "ParserRegistry",
    "ParticipantResolver",
    "Session",
    "Sessionizer",
    "WhatsAppParser",
)
"""Objects a user builds a pipeline from: they belong at the top level."""

MOVED_OUT = {
    "PhraseStat": "persona_clone.dataset",
    "RepeatCap": "persona_clone.dataset",
    "Record": "persona_clone.parsers",
    "cap_repeats": "persona_clone.dataset",
    "counter_for": "persona_clone.dataset",
    "default_epochs": "persona_clone.dataset",
    "merge_chronological": "persona_clone.conversation",
    "read_jsonl": "persona_clone.parsers",
    "renderable": "persona_clone.dataset",
    "repeat_key": "persona_clone.dataset",
    "repeated_phrases": "persona_clone.dataset",
    "write_jsonl": "persona_clone.parsers",
}
"""Names that left the top level, and the namespace that exports them now."""

HEAVY = ("openai", "torch", "transformers", "peft", "discord", "tiktoken", "hypothesis")
"""Dependencies no start-up may load before a command needs them."""


def _type_checking_imports(module: ModuleType) -> dict[str, str]:
    """Return name -> relative module of the imports under ``if TYPE_CHECKING:``."""
    tree = ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom)
                for alias in statement.names:
                    found[alias.name] = "." * statement.level + str(statement.module)
    return found


def _loaded_after(code: str) -> tuple[list[str], list[str]]:
    """Run *code* in a fresh interpreter; return the package's modules and the heavy ones."""
    report = (
        "\nimport sys\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'persona_clone'), "
        f"sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}), sep='\\n', "
        "file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code + report], capture_output=True, text=True, check=True
    )
    ours, heavy = done.stderr.strip().splitlines()[-2:]
    return ast.literal_eval(ours), ast.literal_eval(heavy)


def _help_of(*args: str) -> str:
    return (
        "from persona_clone.cli import main\n"
        "try:\n"
        f"    main({[*args, '--help']!r}, prog_name='persona-clone')\n"
        "except SystemExit:\n"
        "    pass\n"
    )


@pytest.fixture(name="namespace", params=NAMESPACES)
def _namespace(request: pytest.FixtureRequest) -> ModuleType:
    return importlib.import_module(request.param)


class TestNamespaces:
    def test_all_is_sorted(self, namespace: ModuleType) -> None:
        """__all__ is sorted (constants first), so additions are easy to review."""
        assert sorted(namespace.__all__, key=lambda n: (not n.isupper(), n)) == list(
            namespace.__all__
        )

    def test_all_is_the_lazy_table(self, namespace: ModuleType) -> None:
        """Every name in __all__ loads on first use, and nothing else does."""
        assert set(namespace.__all__) == set(namespace._NAMES)

    def test_type_checkers_see_the_same_names(self, namespace: ModuleType) -> None:
        """The TYPE_CHECKING imports name the same modules as the lazy table."""
        assert dict(namespace._NAMES) == _type_checking_imports(namespace)

    def test_every_name_is_its_defining_object(self, namespace: ModuleType) -> None:
        """Each name resolves to the object of the module it is listed under."""
        for name, module in namespace._NAMES.items():
            home = importlib.import_module(module, namespace.__name__)

            assert getattr(home, name) is getattr(namespace, name)

    def test_dir_lists_the_names(self, namespace: ModuleType) -> None:
        """dir() shows every exported name, loaded or not."""
        assert set(namespace.__all__) <= set(dir(namespace))

    def test_unknown_name_is_an_attribute_error(self, namespace: ModuleType) -> None:
        """A name the namespace does not have raises AttributeError naming it."""
        with pytest.raises(AttributeError, match="NoSuchThing"):
            getattr(namespace, "NoSuchThing")  # noqa: B009

    def test_every_export_is_documented(self, namespace: ModuleType) -> None:
        """Every exported class and function has its own docstring."""
        undocumented = [
            name
            for name in namespace.__all__
            if typing.get_origin(getattr(namespace, name)) is None
            and (
                inspect.isclass(getattr(namespace, name))
                or inspect.isfunction(getattr(namespace, name))
            )
            and not inspect.getdoc(getattr(namespace, name))
        ]

        assert [] == undocumented


class TestTopLevel:
    def test_design_card_objects_are_at_the_top(self) -> None:
        """The objects a pipeline is built from are exported by persona_clone itself."""
        assert set(DESIGN_CARD) <= set(persona_clone.__all__)

    def test_errors_are_at_the_top(self) -> None:
        """Every error class the library raises is exported at the top."""
        from persona_clone import errors  # noqa: PLC0415

        assert {n for n in errors.__all__ if n.endswith("Error")} <= set(persona_clone.__all__)

    @pytest.mark.parametrize(("name", "home"), MOVED_OUT.items())
    def test_moved_names_warn_and_still_work(self, name: str, home: str) -> None:
        """A name that left the top level still resolves, with a DeprecationWarning."""
        with pytest.deprecated_call(match=f"import it from {home}"):
            value = getattr(persona_clone, name)

        assert getattr(importlib.import_module(home), name) is value
        assert name not in persona_clone.__all__

    def test_moved_names_also_import_with_from(self) -> None:
        """``from persona_clone import repeat_key`` still works, with a warning."""
        with pytest.deprecated_call():
            from persona_clone import repeat_key  # type: ignore[attr-defined]  # noqa: PLC0415

        assert "lol" == repeat_key("LOL!!")

    def test_sub_packages_are_attributes(self) -> None:
        """``persona_clone.dataset`` works after a bare ``import persona_clone``."""
        assert importlib.import_module("persona_clone.dataset") is getattr(  # noqa: B009
            persona_clone, "dataset"
        )

    def test_version(self) -> None:
        """__version__ comes from the installed metadata."""
        assert getattr(persona_clone, "__version__").count(".") >= 1  # noqa: B009


class TestStartup:
    def test_bare_import_loads_only_the_facade(self) -> None:
        """``import persona_clone`` loads the facade alone: no stage, no dependency."""
        ours, heavy = _loaded_after("import persona_clone")

        assert ["persona_clone", "persona_clone._lazy", "persona_clone._moved"] == ours
        assert [] == heavy

    def test_bare_import_loads_no_third_party_package(self) -> None:
        """``import persona_clone`` imports only the standard library (not even attrs)."""
        code = (
            "import sys\nbefore = set(sys.modules)\nimport persona_clone\n"
            "new = {m.split('.')[0] for m in set(sys.modules) - before}\n"
            "print(sorted(new - set(sys.stdlib_module_names) - {'persona_clone'}))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout

        assert "[]" == out.strip()

    def test_help_loads_no_command(self) -> None:
        """``persona-clone --help`` lists the commands without importing any of them."""
        ours, heavy = _loaded_after(_help_of())

        assert [
            "persona_clone",
            "persona_clone._lazy",
            "persona_clone._moved",
            "persona_clone.cli",
        ] == ours
        assert [] == heavy

    @pytest.mark.parametrize("command", list(cli._COMMANDS))
    def test_command_start_loads_no_heavy_dependency(self, command: str) -> None:
        """Starting a command (its --help) loads no SDK, no ML library and no Hypothesis."""
        ours, heavy = _loaded_after(_help_of(command))

        assert f"persona_clone.cli.{cli._COMMANDS[command][0].split(':')[0]}" in ours
        assert [] == heavy


class TestCommandList:
    def test_help_lists_what_the_commands_say(self) -> None:
        """The lazy command list reads exactly as click's own list of the imported commands."""
        ctx = click.Context(cli.main, info_name="persona-clone", **cli.main.context_settings)
        lazy, eager = ctx.make_formatter(), ctx.make_formatter()
        cli.main.format_commands(ctx, lazy)
        click.Group.format_commands(cli.main, ctx, eager)  # imports every command
        shown = CliRunner().invoke(cli.main, ["--help"], prog_name="persona-clone").output

        assert eager.getvalue() == lazy.getvalue()
        assert "Commands:\n  inspect " in shown

    @pytest.mark.parametrize("command", list(cli._COMMANDS))
    def test_summary_is_the_command_help(self, command: str) -> None:
        """Each summary in the table is the command's own one-line help."""
        real = cli.main.get_command(click.Context(cli.main), command)

        assert real is not None
        assert real.get_short_help_str(1000) == cli._COMMANDS[command][1]

"""The code users copy from the docs type-checks, and the tutorial's parser keeps the rules."""

from __future__ import annotations

import doctest
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import persona_clone
from persona_clone.testing import check_parser


ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
BLOCK = re.compile(r"(?:<!-- (?P<name>[\w.]+) -->\n)?```python\n(?P<code>.*?)```", re.DOTALL)
COPIED = ["writing-a-parser.md", "testing.md"]
TOY_SAMPLE = (
    "TOYCHAT 1\n"
    "2024-05-06T09:15:00+03:00 | Ada | Günaydın!\n"
    "2024-05-06T09:16:30 | Bob | morning\n"
    "not a message\n"
    "2024-05-06T09:17:00+03:00 | ~ | Cem joined\n"
)


def python_blocks(page: Path) -> list[tuple[str | None, str]]:
    """Return each Python block of *page* as (its file name marker, its source code)."""
    parser = doctest.DocTestParser()
    found = []
    for match in BLOCK.finditer(page.read_text(encoding="utf-8")):
        examples = parser.get_examples(match["code"])
        source = "".join(e.source for e in examples) if examples else match["code"]
        found.append((match["name"], source))
    return found


def mypy_strict(folder: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    """Run ``mypy --strict`` on *files* as a user's project in *folder* would."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("MYPY")}
    package = Path(persona_clone.__file__).resolve().parent
    if "site-packages" not in package.parts:  # a source checkout, not an installed package
        env["MYPYPATH"] = str(package.parent)
    return subprocess.run(
        [
            sys.executable, "-m", "mypy", "--strict", "--no-color-output",
            "--cache-dir", str(folder / ".mypy_cache"), *map(str, files),
        ],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )  # fmt: skip


@pytest.fixture(name="toychat")
def _toychat(tmp_path: Path) -> Path:
    """The tutorial's marked block, copied into a fresh package as toychat.py."""
    package = tmp_path / "persona_clone_toychat"
    package.mkdir()
    marked = [code for name, code in python_blocks(DOCS / "writing-a-parser.md") if name]
    (package / "toychat.py").write_text(marked[0], encoding="utf-8")
    return package / "toychat.py"


@pytest.mark.skipif(not DOCS.is_dir(), reason="the docs are not beside the tests")
class TestCopiedCode:
    def test_the_tutorial_marks_its_module(self) -> None:
        """The tutorial marks exactly one block as the module to copy, and it holds the parser."""
        marked = [c for name, c in python_blocks(DOCS / "writing-a-parser.md") if name]

        assert 1 == len(marked)
        assert "class ToyChatParser" in marked[0]

    @pytest.mark.slow
    @pytest.mark.skipif(
        importlib.util.find_spec("mypy") is None,
        reason="needs mypy beside the installed package (nox -s docs runs it)",
    )
    def test_every_copied_block_type_checks_strictly(self, tmp_path: Path, toychat: Path) -> None:
        """The tutorial's module, and each page's code as one file, pass mypy --strict."""
        pages = []
        for page in COPIED:
            target = tmp_path / page.replace("-", "_").replace(".md", ".py")
            target.write_text(
                "\n".join(code for _, code in python_blocks(DOCS / page)), encoding="utf-8"
            )
            pages.append(target)

        result = mypy_strict(tmp_path, toychat, *pages)

        assert 0 == result.returncode, result.stdout + result.stderr

    def test_the_copied_tutorial_parser_keeps_the_rules(
        self, tmp_path: Path, toychat: Path
    ) -> None:
        """The tutorial's module, imported from a fresh package, passes check_parser."""
        spec = importlib.util.spec_from_file_location("toychat", toychat)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sample = tmp_path / "sample.toy"
        sample.write_text(TOY_SAMPLE, encoding="utf-8")

        messages = check_parser(module.ToyChatParser(), sample, preamble=1, tz="Europe/Istanbul")

        assert ["Günaydın!", "morning", "Cem joined"] == [m.text for m in messages]
        assert "2024-05-06T09:16:30+03:00" == messages[1].sent_at.isoformat()

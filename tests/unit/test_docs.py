"""The documentation's own links point at pages that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
LINK = re.compile(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)")


def _pages() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


@pytest.mark.skipif(not DOCS.is_dir(), reason="the docs are not beside the tests")
class TestLinks:
    @pytest.mark.parametrize("page", _pages(), ids=lambda page: page.name)
    def test_every_linked_page_exists(self, page: Path) -> None:
        """Every relative Markdown link of a docs page names an existing file."""
        targets = LINK.findall(page.read_text(encoding="utf-8"))

        missing = [t for t in targets if "://" not in t and not (page.parent / t).is_file()]

        assert [] == missing

    def test_index_lists_every_page(self) -> None:
        """Every docs page is reachable from docs/index.md."""
        linked = set(LINK.findall((DOCS / "index.md").read_text(encoding="utf-8")))

        assert [] == [p.name for p in _pages() if p.name != "index.md" and p.name not in linked]

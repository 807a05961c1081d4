"""The public surface: __all__ is complete and sorted, every export is documented."""

from __future__ import annotations

import inspect
import subprocess
import sys
import typing

import persona_clone


class TestPublicAPI:
    def test_all_is_sorted(self) -> None:
        """__all__ is sorted, so additions are easy to review."""
        assert sorted(persona_clone.__all__) == list(persona_clone.__all__)

    def test_all_is_complete(self) -> None:
        """Every public name the package defines is in __all__, and nothing else."""
        public = {
            name
            for name, value in vars(persona_clone).items()
            if not name.startswith("_")
            and not inspect.ismodule(value)
            and name not in {"annotations", "Any", "Final", "TYPE_CHECKING", "importlib"}
        }

        lazy = set(persona_clone._LAZY)

        assert public | lazy == set(persona_clone.__all__)

    def test_every_export_is_documented(self) -> None:
        """Every exported class and function has its own docstring."""
        undocumented = [
            name
            for name in persona_clone.__all__
            if typing.get_origin(getattr(persona_clone, name)) is None
            and (
                inspect.isclass(getattr(persona_clone, name))
                or inspect.isfunction(getattr(persona_clone, name))
            )
            and not inspect.getdoc(getattr(persona_clone, name))
        ]

        assert [] == undocumented

    def test_version(self) -> None:
        """__version__ comes from the installed metadata."""
        assert persona_clone.__version__.count(".") >= 1

    def test_import_is_light(self) -> None:
        """Importing the package loads no parser plugin, no test helper and no CLI."""
        code = (
            "import sys, persona_clone; "
            "print(sorted(m for m in sys.modules if m.startswith('persona_clone.')"
            " and (m.startswith('persona_clone.testing') or m.startswith('persona_clone.cli')"
            " or m.count('.parsers.') and m.rsplit('.', 1)[1] not in"
            " ('base', 'registry', 'source'))))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout

        assert "[]" == out.strip()

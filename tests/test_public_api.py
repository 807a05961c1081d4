"""The public surface: __all__ is complete and sorted, every export is documented."""

from __future__ import annotations

import inspect
import subprocess
import sys
import typing

import pytest

import persona_clone
import persona_clone.finetune


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
            " ('base', 'registry', 'source', 'interchange_format'))))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout

        assert "[]" == out.strip()

    def test_import_loads_no_heavy_dependency(self) -> None:
        """Importing the package and its finetune package loads neither openai nor torch."""
        code = (
            "import sys, persona_clone, persona_clone.finetune; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('openai', 'torch')))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout

        assert "[]" == out.strip()


class TestFinetuneAPI:
    def test_all_is_sorted(self) -> None:
        """The finetune package's __all__ is sorted."""
        assert sorted(persona_clone.finetune.__all__) == list(persona_clone.finetune.__all__)

    def test_every_name_resolves(self) -> None:
        """Every name in the finetune package's __all__, lazy or not, can be imported."""
        missing = [
            name
            for name in persona_clone.finetune.__all__
            if getattr(persona_clone.finetune, name, None) is None
        ]

        assert [] == missing

    def test_lazy_names_are_the_top_level_ones(self) -> None:
        """The OpenAI backend is one class, whichever package it is imported from."""
        from persona_clone.finetune import OpenAIFineTuner  # noqa: PLC0415

        assert persona_clone.OpenAIFineTuner is OpenAIFineTuner

    def test_unknown_name_is_an_attribute_error(self) -> None:
        """A name the finetune package does not have raises AttributeError."""
        with pytest.raises(AttributeError, match="NoSuchTuner"):
            _ = persona_clone.finetune.NoSuchTuner

    def test_dir_lists_the_lazy_names(self) -> None:
        """dir() of the finetune package shows the names that load on first use."""
        assert "OpenAIFineTuner" in dir(persona_clone.finetune)

"""
Old module paths that still import, with a `DeprecationWarning`, for one release.

Modules were grouped by pipeline stage in 0.2 (``persona_clone.redaction`` is now
``persona_clone.privacy.redaction``, and so on; `MOVED` and the changelog list every
move). Importing ``persona_clone`` installs `MovedModuleFinder`, so
``import persona_clone.redaction`` warns and returns the very module
``persona_clone.privacy.redaction``.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import warnings
from collections.abc import Mapping, Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Final


__all__ = ["MOVED", "MovedModuleFinder", "install"]

MOVED: Final[Mapping[str, str]] = {
    "persona_clone.sessionizer": "persona_clone.conversation.sessionizer",
    "persona_clone.merger": "persona_clone.conversation.merger",
    "persona_clone.pipeline": "persona_clone.conversation.streams",
    "persona_clone.consent": "persona_clone.privacy.consent",
    "persona_clone.identity": "persona_clone.privacy.identity",
    "persona_clone.redaction": "persona_clone.privacy.redaction",
    "persona_clone.rendering": "persona_clone.dataset.rendering",
    "persona_clone.repetition": "persona_clone.dataset.repetition",
    "persona_clone.tokens": "persona_clone.dataset.tokens",
    "persona_clone.cost": "persona_clone.dataset.cost",
    "persona_clone.buffer": "persona_clone.serving.buffer",
    "persona_clone.responder": "persona_clone.serving.responder",
    "persona_clone.loop_guard": "persona_clone.serving.loop_guard",
    "persona_clone.discord_bot": "persona_clone.serving.discord",
    "persona_clone.interchange": "persona_clone.parsers.interchange_format",
    "persona_clone.parsers.whatsapp_reader": "persona_clone.parsers.whatsapp.reader",
    "persona_clone.parsers.whatsapp_grammar": "persona_clone.parsers.whatsapp.grammar",
    "persona_clone.parsers.whatsapp_locale": "persona_clone.parsers.whatsapp.locale",
    "persona_clone.finetune.jobs": "persona_clone.finetune.job_records",
}
"""Old module path -> where the module lives now."""


class _MovedLoader:
    # a loader by protocol: subclassing importlib.abc.Loader would import
    # importlib.resources into every ``import persona_clone``
    def __init__(self, new: str) -> None:
        self._new = new

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:  # noqa: ARG002 (protocol)
        return None  # the default (empty) module, replaced in exec_module

    def exec_module(self, module: ModuleType) -> None:
        old = module.__name__
        warnings.warn(
            f"{old} moved to {self._new}; import it from there (or its public names from "
            "persona_clone): the old path will be removed in the next release",
            DeprecationWarning,
            stacklevel=2,
        )
        # the import system returns what sys.modules holds under the name after exec_module
        sys.modules[old] = importlib.import_module(self._new)

    def load_module(self, fullname: str) -> ModuleType:
        """The legacy loader method (the import system calls `exec_module`)."""
        self.exec_module(ModuleType(fullname))
        return sys.modules[fullname]


class MovedModuleFinder:
    """Finds the old paths in `MOVED`, and only those (a meta path finder by protocol)."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,  # noqa: ARG002 (protocol)
        target: ModuleType | None = None,  # noqa: ARG002 (protocol)
    ) -> ModuleSpec | None:
        new = MOVED.get(fullname)
        if new is None:
            return None
        return importlib.util.spec_from_loader(fullname, _MovedLoader(new))


def install() -> None:
    """Put one `MovedModuleFinder` on `sys.meta_path` (again: no effect)."""
    if not any(isinstance(finder, MovedModuleFinder) for finder in sys.meta_path):
        sys.meta_path.append(MovedModuleFinder())

"""
Public names a package imports on first use, so importing the package stays light.

A package's ``__init__`` lists its public names in ``__all__``, imports them under
``TYPE_CHECKING`` (for type checkers and readers) and hands the same table to
`LazyNames`: ``import persona_clone`` then costs almost nothing, and
``persona_clone.Sessionizer`` imports ``persona_clone.conversation.sessionizer`` the
first time it is read. Names that left a namespace keep resolving, with a
`DeprecationWarning`, for one release.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Mapping
from typing import Any


__all__ = ["LazyNames"]


class LazyNames:
    """
    The ``__getattr__`` and ``__dir__`` of a package whose names load on first use.

    Args:
        package: The package's ``__name__``.
        names: Public name -> the module (relative to *package*) that defines it.
        submodules: Sub-packages and modules reachable as attributes without an import.
        deprecated: Name -> module of names that left this namespace; reading one
            warns with `DeprecationWarning` and returns it from its module.
    """

    def __init__(
        self,
        package: str,
        names: Mapping[str, str],
        *,
        submodules: frozenset[str] = frozenset(),
        deprecated: Mapping[str, str] | None = None,
    ) -> None:
        self.package = package
        self.names = names
        self.submodules = submodules
        self.deprecated = deprecated or {}

    def getattr(self, name: str, namespace: dict[str, Any]) -> Any:
        """
        Return *name*, importing its module; cache it in *namespace* (the package's globals).

        Raises:
            AttributeError: *name* is not a name of the package.
        """
        module = self.names.get(name)
        if module is not None:
            value = getattr(importlib.import_module(module, self.package), name)
            namespace[name] = value
            return value
        if name in self.submodules:
            return importlib.import_module(f"{self.package}.{name}")
        module = self.deprecated.get(name)
        if module is not None:
            home = importlib.import_module(module, self.package).__name__
            warnings.warn(
                f"{self.package}.{name} is deprecated: import it from {home}; "
                f"{self.package}.{name} will be removed in the next release",
                DeprecationWarning,
                stacklevel=3,
            )
            return getattr(importlib.import_module(home), name)
        msg = f"module {self.package!r} has no attribute {name!r}"
        raise AttributeError(msg)

    def dir(self, namespace: dict[str, Any]) -> list[str]:
        """Return the names of the package, loaded or not (deprecated ones excluded)."""
        return sorted({*namespace, *self.names, *self.submodules})

    def install(self, namespace: dict[str, Any]) -> None:
        """
        Give the package whose globals are *namespace* its ``__getattr__`` and ``__dir__``.

        Call it under ``if not TYPE_CHECKING:``, so type checkers still report
        unknown names.
        """

        def __getattr__(name: str) -> Any:  # noqa: N807 (the module hook's name)
            return self.getattr(name, namespace)

        def __dir__() -> list[str]:  # noqa: N807
            return self.dir(namespace)

        namespace["__getattr__"] = __getattr__
        namespace["__dir__"] = __dir__

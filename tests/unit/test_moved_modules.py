"""Old module paths import, with a DeprecationWarning, as the very modules that moved."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

import persona_clone
from persona_clone._moved import MOVED


@pytest.mark.parametrize(("old", "new"), sorted(MOVED.items()))
def test_old_path_warns_and_is_the_new_module(old: str, new: str) -> None:
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=rf"{old} moved to {new}"):
        module = importlib.import_module(old)

    assert module is importlib.import_module(new)
    assert module.__name__ == new


def test_every_new_path_exists_and_no_old_file_remains() -> None:
    package = Path(persona_clone.__file__).parent
    for old, new in MOVED.items():
        assert importlib.util.find_spec(new) is not None, new
        old_file = package.joinpath(*old.split(".")[1:]).with_suffix(".py")
        assert not old_file.exists(), old_file


def test_unknown_names_are_not_claimed() -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("persona_clone.no_such_module")

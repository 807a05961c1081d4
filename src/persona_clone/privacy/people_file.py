"""
The people file: aliases, consent and pinned names of a chat's participants.

One small TOML (or JSON) file says who is who and who agreed::

    [consent]
    policy = "placeholder"          # or "drop-session"

    [[person]]
    id = "ada"                      # optional; defaults to the name
    name = "Ada Yılmaz"
    aliases = ["+90 532 123 45 67", "Ada Y."]
    consent = true                  # may be cloned

    [[person]]
    name = "Mehmet"
    opted_out = true                # never appears in a dataset

`persona_clone.AliasMap.load` and `persona_clone.Consent.load` both read it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, get_args

import cattrs
from attrs import field, frozen
from cattrs.errors import CattrsError
from cattrs.v import format_exception

from .._serialization import converter
from ..errors import ConfigError


if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - depends on the interpreter
    import tomli as tomllib


__all__ = ["ConsentSection", "PeopleFile", "PersonEntry", "read_people_file"]


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _entries(values: Iterable[PersonEntry]) -> tuple[PersonEntry, ...]:
    return tuple(values)


@frozen(kw_only=True)
class PersonEntry:
    """One ``[[person]]`` entry of the people file."""

    name: str
    id: str | None = None
    aliases: tuple[str, ...] = field(default=(), converter=_strings)
    consent: bool = False
    opted_out: bool = False
    openai_name: str | None = None


@frozen(kw_only=True)
class ConsentSection:
    """The optional ``[consent]`` table of the people file."""

    policy: Literal["placeholder", "drop-session"] = "placeholder"
    placeholder: str | None = None


@frozen(kw_only=True)
class PeopleFile:
    """The whole people file, as structured from TOML or JSON."""

    person: tuple[PersonEntry, ...] = field(default=(), converter=_entries)
    consent: ConsentSection = field(factory=ConsentSection)


_strict = converter.copy(forbid_extra_keys=True)


def _strict_bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        msg = f"expected true or false, found {value!r}"
        raise TypeError(msg)
    return value


def _strict_str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        msg = f"expected a string, found {value!r}"
        raise TypeError(msg)
    return value


def _strict_strings(value: Any, _: type) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        msg = f"expected a list of strings, found {value!r}"
        raise TypeError(msg)
    for item in value:
        _strict_str(item, str)
    return tuple(value)


_strict.register_structure_hook(bool, _strict_bool)
_strict.register_structure_hook(str, _strict_str)
_strict.register_structure_hook_func(lambda cls: cls == tuple[str, ...], _strict_strings)


def _describe(error: BaseException, cls: type | None) -> str:
    """Word a structuring error for users: what was expected, what was found."""
    if isinstance(error, TypeError) and str(error).startswith("expected"):
        return f"invalid value: {error}"
    if isinstance(error, (ValueError, CattrsError)) and "not in literal" in str(error):
        allowed = ", ".join(repr(value) for value in get_args(cls))
        found = str(error).split(" not in literal", 1)[0]
        return f"invalid value: expected one of {allowed}, found {found!r}"
    return format_exception(error, cls)


def read_people_file(path: str | os.PathLike[str]) -> PeopleFile:
    """
    Read and structure a people file (``.toml`` or ``.json``).

    Raises:
        ConfigError: the file is missing, is not valid TOML/JSON, or has a bad
            or unknown key; the message names the file and the key, e.g.
            ``people.toml: invalid value for type, expected str @ $.person[1].name``.
    """
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise ConfigError(f"{file}: expected a .toml or .json people file, found {suffix!r}")
    try:
        raw = file.read_bytes()
    except OSError as error:
        raise ConfigError(f"{file}: cannot read the people file ({error.strerror})") from error
    try:
        data: Any = tomllib.loads(raw.decode("utf-8")) if suffix == ".toml" else json.loads(raw)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(f"{file}: expected valid {suffix[1:].upper()}, {error}") from error
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: expected a table of people, found {type(data).__name__}")
    if "names" in data and "person" not in data:
        raise ConfigError(
            f"{file}: expected a people file ([[person]] tables and a [consent] table), "
            "found a name book (the names.json a build writes): pass it with --names"
        )
    try:
        return _strict.structure(data, PeopleFile)
    except (cattrs.ClassValidationError, cattrs.IterableValidationError) as error:
        problems = "; ".join(cattrs.transform_error(error, path="$", format_exception=_describe))
        raise ConfigError(f"{file}: {problems}") from error

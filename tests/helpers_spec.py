"""Checks bodies against the official OpenAPI spec in ../shared (skips without it)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml


__all__ = ["SPEC", "spec_errors"]

SPEC = Path(__file__).resolve().parents[1].parent / "shared" / "docs" / "openai-openapi.yaml"


def _modernise(node: Any) -> Any:
    """Rewrite OpenAPI 3.0 leftovers (boolean ``exclusiveMinimum``) as 2020-12."""
    if isinstance(node, dict):
        fixed = {key: _modernise(value) for key, value in node.items()}
        for bound, exclusive in (
            ("minimum", "exclusiveMinimum"),
            ("maximum", "exclusiveMaximum"),
        ):
            if fixed.get(exclusive) is True:
                fixed[exclusive] = fixed.pop(bound)
            elif fixed.get(exclusive) is False:
                del fixed[exclusive]
        return fixed
    if isinstance(node, list):
        return [_modernise(item) for item in node]
    return node


@functools.cache
def _spec() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loaded: dict[str, Any] = _modernise(
        yaml.load(SPEC.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
    )
    return loaded


def spec_errors(schema: str, instance: Any) -> list[str]:
    """
    Return every way *instance* breaks ``components.schemas[schema]``.

    Skips the test when ../shared/docs/openai-openapi.yaml is absent.
    """
    if not SPEC.is_file():
        pytest.skip(
            "../shared/docs/openai-openapi.yaml is absent (it ships beside the repository in CI)"
        )
    root = dict(_spec())
    root["$ref"] = f"#/components/schemas/{schema}"
    validator = jsonschema.Draft202012Validator(root)
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(instance)
    ]

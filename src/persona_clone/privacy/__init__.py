"""
Privacy: who may appear in a dataset, under which name, and what is masked.

- ``privacy.consent``: `Consent` and `OptOutPolicy`, the people who opted out.
- ``privacy.identity``: `AliasMap`, `Identity`, `NameBook`: one person, many spellings.
- ``privacy.redaction``: `BuiltinRedactor`, `redact_messages`, `PrivacyReport`.
- ``privacy.people_file``: the people file (aliases and opt-outs in one TOML file).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from .._lazy import LazyNames


if TYPE_CHECKING:
    from .consent import (
        OPTED_OUT,
        Consent,
        OptOutPolicy,
    )
    from .identity import (
        OPENAI_NAME,
        AliasMap,
        Identity,
        NameBook,
        is_phone_number,
        normalise_name,
        openai_safe,
    )
    from .people_file import (
        ConsentSection,
        PeopleFile,
        PersonEntry,
        read_people_file,
    )
    from .redaction import (
        BuiltinRedactor,
        PrivacyReport,
        RedactionKind,
        Redactor,
        redact_messages,
    )
    from .steps import (
        OptOut,
        Redact,
    )


__all__ = [
    "OPENAI_NAME",
    "OPTED_OUT",
    "AliasMap",
    "BuiltinRedactor",
    "Consent",
    "ConsentSection",
    "Identity",
    "NameBook",
    "OptOut",
    "OptOutPolicy",
    "PeopleFile",
    "PersonEntry",
    "PrivacyReport",
    "Redact",
    "RedactionKind",
    "Redactor",
    "is_phone_number",
    "normalise_name",
    "openai_safe",
    "read_people_file",
    "redact_messages",
]

_NAMES: Final = {
    "AliasMap": ".identity",
    "BuiltinRedactor": ".redaction",
    "Consent": ".consent",
    "ConsentSection": ".people_file",
    "Identity": ".identity",
    "NameBook": ".identity",
    "OPENAI_NAME": ".identity",
    "OPTED_OUT": ".consent",
    "OptOut": ".steps",
    "OptOutPolicy": ".consent",
    "PeopleFile": ".people_file",
    "PersonEntry": ".people_file",
    "PrivacyReport": ".redaction",
    "Redact": ".steps",
    "RedactionKind": ".redaction",
    "Redactor": ".redaction",
    "is_phone_number": ".identity",
    "normalise_name": ".identity",
    "openai_safe": ".identity",
    "read_people_file": ".people_file",
    "redact_messages": ".redaction",
}
"""Each public name -> the module that defines it (imported on first use)."""

if not TYPE_CHECKING:  # type checkers see the imports above; unknown names stay errors
    LazyNames(__name__, _NAMES).install(globals())

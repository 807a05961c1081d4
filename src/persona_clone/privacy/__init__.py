"""
Privacy: who may appear in a dataset, under which name, and what is masked.

- ``privacy.consent``: `Consent` and `OptOutPolicy`, the people who opted out.
- ``privacy.identity``: `AliasMap`, `Identity`, `NameBook`: one person, many spellings.
- ``privacy.redaction``: `BuiltinRedactor`, `redact_messages`, `PrivacyReport`.
- ``privacy.people_file``: the people file (aliases and opt-outs in one TOML file).
"""

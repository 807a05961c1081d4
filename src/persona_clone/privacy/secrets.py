"""
Secrets pasted into chats: API keys, bearer tokens and passwords.

`secret_spans` finds them for `persona_clone.BuiltinRedactor`, which replaces
each with ``<SECRET>``:

- API keys and tokens by their published prefixes: OpenAI and Anthropic
  (``sk-...``, ``sk-proj-...``, ``sk-ant-...``), Stripe (``sk_live_...``,
  ``rk_live_...``), GitHub (``ghp_...``, ``github_pat_...``), Slack
  (``xoxb-...``), AWS access key ids (``AKIA...``), Google API keys
  (``AIza...``) and JSON web tokens (``eyJ....eyJ....``);
- the token after ``Bearer`` (``Authorization: Bearer abc...``);
- the word after a password keyword and ``:`` or ``=`` (``password: hunter2``,
  ``şifre: Gizli123``, ``parolam = ...``, ``PIN: 4821``), except words that
  talk about the password (``şifre: yok``); after ``is``/``was``/``de`` or
  directly after the keyword when it holds a digit or a symbol
  (``the password is hunter2``, ``wifi şifresi ev2024ab``), so "the password
  is wrong" stays.

Only the secret is replaced; the keyword stays (``şifre: <SECRET>``), so the
sentence still reads. A password is the whole run of characters up to the next
space or quote: a full stop right after it is taken with it, since it may be
part of the password.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final


__all__ = ["SECRET_GATE", "secret_spans"]

_I = "[iİıI]"

SECRET_GATE: Final = re.compile(
    rf"sk[-_]|rk_|gh[pousr]_|github_pat_|xox[abposr]-|akia|aiza|eyj|bearer"
    rf"|pass|pwd|parola|[şs]{_I}fre|p{_I}n",
    re.IGNORECASE,
)
"""A cheap test every text holding a secret passes: one of the detectors'
literal starts, in any letter case (the detectors match a subset of these)."""

_KEY = re.compile(
    r"(?<![\w-])(?:"
    r"sk-(?:proj-|ant-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"
    r"|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}"
    r"|gh[pousr]_[A-Za-z0-9]{20,}"
    r"|github_pat_[A-Za-z0-9_]{20,}"
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"
    r"|AKIA[0-9A-Z]{16}"
    r"|AIza[0-9A-Za-z_-]{35}"
    r"|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"
    r")(?![\w-])"
)
_BEARER = re.compile(r"(?<!\w)bearer[ \t]+([A-Za-z0-9._~+/-]{16,}=*)", re.IGNORECASE)
_KEYWORD = (
    rf"(?:password|passwd|passcode|passphrase|pwd"
    rf"|parola(?:m|mız|n|nız|sı)?"
    rf"|[şs]{_I}fre(?:m|m{_I}z|n|n{_I}z|s{_I}|ler)?"
    rf"|p{_I}n(?:[ \t]?(?:code|kodu|kod))?)"
)
_WORD = r"[^\s\"'”’`]"
_PASSWORD = re.compile(
    rf"(?<!\w){_KEYWORD}"
    r"(?:"
    rf"[ \t]*(?:[:=]|->|=>)[ \t]*[\"'“‘`]?({_WORD}{{3,}})"  # "şifre: x"
    rf"|[ \t]+(?:is|was|de|da)[ \t]+[\"'“‘`]?((?=[^\s\"'”’`]*[\d\W_]){_WORD}{{3,}})"  # "is hunter2"
    rf"|[ \t]+((?={_WORD}*\d){_WORD}{{4,}})"  # "şifresi ev2024ab"
    r")",
    re.IGNORECASE,
)
_NOT_SECRETS = frozenset(
    [
        "yok",
        "var",
        "none",
        "no",
        "yes",
        "yok.",
        "lazım",
        "gerekli",
        "required",
        "unknown",
        "bilmiyorum",
        "aynı",
        "same",
        "değişti",
        "changed",
        "reset",
        "sıfırla",
        "empty",
        "boş",
    ]
)
"""Words after "şifre:" / "password:" that say something about the password."""


def secret_spans(text: str) -> Iterator[tuple[int, int]]:
    """
    Yield the spans of the secrets in *text*, in order, never overlapping.

    Example:
        >>> text = "key sk-proj-abcdefghijklmnopqrstuvwx ve şifre: Gizli123!"
        >>> [text[start:end] for start, end in secret_spans(text)]
        ['sk-proj-abcdefghijklmnopqrstuvwx', 'Gizli123!']

    """
    spans = [match.span() for match in _KEY.finditer(text)]
    spans.extend(match.span(1) for match in _BEARER.finditer(text))
    for match in _PASSWORD.finditer(text):
        group = next(index for index in (1, 2, 3) if match.group(index) is not None)
        if match.group(group).lower() not in _NOT_SECRETS:
            spans.append(match.span(group))
    spans.sort()
    position = 0
    for start, end in spans:
        if start >= position:
            yield start, end
            position = end

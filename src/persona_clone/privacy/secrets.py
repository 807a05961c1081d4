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
  directly after the keyword when it holds a digit (``the password is
  hunter2``, ``wifi şifresi ev2024ab``), so "the password is wrong" stays.

Keys and tokens must hold a digit (or, for web tokens, their dots): random
keys practically always do, and so every secret found holds a digit, ".",
":" or "=". `may_hold_secret` tests that first, with one character class, so
the chat lines of everyday talk cost one search in C.

Only the secret is replaced; the keyword stays (``şifre: <SECRET>``), so the
sentence still reads. A password is the whole run of characters up to the next
space or quote: a full stop right after it is taken with it, since it may be
part of the password.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any, Final


__all__ = ["SECRET_CHARS", "may_hold_secret", "names_secret_keyword", "secret_spans"]

_I = "[iİıI]"

SECRET_CHARS: Final = re.compile(r"[\d.:=]")
"""What every secret found needs somewhere in its text (see the module's notes)."""

_STARTS: Final = (
    *("sk-", "sk_", "rk_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox"),
    *("akia", "aiza", "eyj", "bearer", "pass", "pwd", "parola"),
    *("şifre", "şi\u0307fre", "şıfre", "sifre", "si\u0307fre", "sıfre"),
    *("pin", "pi\u0307n", "pın"),
)


def _prefix_tree(words: Iterable[str]) -> str:
    """
    A regex matching any of *words*, as a tree of shared prefixes.

    The regex engine tries the branches of an alternation one by one at every
    position; as a tree, it reads each position's next letter once per level.

    Example:
        >>> _prefix_tree(["pass", "pin", "sk_"])
        '(?:p(?:ass|in)|sk_)'

    """
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def branch(node: dict[str, Any]) -> str:
        ends = "" in node
        alternatives = [re.escape(char) + branch(node[char]) for char in sorted(node) if char]
        if not alternatives:
            return ""
        if len(alternatives) == 1 and not ends:
            return alternatives[0]
        group = "(?:" + "|".join(alternatives) + ")"
        return group + "?" if ends else group

    return branch(tree)


_TRIGGER: Final = re.compile(_prefix_tree(_STARTS))
"""The detectors' literal starts, case-folded ("ŞİFRE" folds to "şi̇fre"), as
a tree of prefixes: about twice as fast to scan for as a flat alternation."""


def may_hold_secret(text: str) -> bool:
    """
    Whether `secret_spans` may find anything in *text* (no false negatives).

    Example:
        >>> may_hold_secret("ŞİFRE: kedi"), may_hold_secret("şifremi unuttum")
        (True, False)

    """
    return SECRET_CHARS.search(text) is not None and names_secret_keyword(text)


def names_secret_keyword(text: str) -> bool:
    """
    Whether *text* holds one of the detectors' starts, in any letter case.

    `may_hold_secret` without its character test, for a caller that has
    made it already.

    Example:
        >>> names_secret_keyword("Şifre yok"), names_secret_keyword("sifirla")
        (True, False)

    """
    return _TRIGGER.search(text.casefold()) is not None


_KEY = re.compile(
    r"(?<![\w-])(?:"
    r"sk-(?:proj-|ant-|svcacct-|admin-)?(?=[\w-]*\d)[A-Za-z0-9_-]{20,}"
    r"|[sr]k_(?:live|test)_(?=\w*\d)[A-Za-z0-9]{16,}"
    r"|gh[pousr]_(?=\w*\d)[A-Za-z0-9]{20,}"
    r"|github_pat_(?=\w*\d)[A-Za-z0-9_]{20,}"
    r"|xox[abposr]-(?=[\w-]*\d)[A-Za-z0-9-]{10,}"
    r"|AKIA(?=\w*\d)[0-9A-Z]{16}"
    r"|AIza(?=[\w-]*\d)[0-9A-Za-z_-]{35}"
    r"|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"
    r")(?![\w-])"
)
_BEARER = re.compile(
    r"(?<!\w)bearer[ \t]+((?=[\w.~+/-]*[\d.])[A-Za-z0-9._~+/-]{16,}=*)", re.IGNORECASE
)
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
    rf"[ \t]*(?:[:=]|=>)[ \t]*[\"'“‘`]?({_WORD}{{3,}})"  # "şifre: x"
    rf"|[ \t]+(?:is|was|de|da)[ \t]+[\"'“‘`]?({_WORD}{{3,}})"  # "is hunter2"
    rf"|[ \t]+({_WORD}{{4,}})"  # "şifresi ev2024ab"
    r")",
    re.IGNORECASE,
)
_NOT_SECRETS = frozenset(
    [
        "yok",
        "var",
        "yanlış",
        "hatalı",
        "wrong",
        "incorrect",
        "none",
        "no",
        "yes",
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
_PUNCTUATION = ".,;:!?)]}"


def _is_password(word: str, *, keyed: bool) -> bool:
    """
    Whether *word* after a password keyword is the password.

    After ":" or "=" (*keyed*) any word is but a few that talk about it
    ("şifre: yok"); otherwise only a word with a digit ("is hunter2", not
    "is wrong,").
    """
    bare = word.rstrip(_PUNCTUATION)
    if keyed:
        return len(bare) >= 3 and bare.lower() not in _NOT_SECRETS  # noqa: PLR2004
    return any(char.isdigit() for char in bare)


def secret_spans(text: str) -> Iterator[tuple[int, int]]:
    """
    Yield the spans of the secrets in *text*, in order, never overlapping.

    Example:
        >>> text = "key sk-proj-abcdefghij0123456789klmn ve şifre: Gizli123!"
        >>> [text[start:end] for start, end in secret_spans(text)]
        ['sk-proj-abcdefghij0123456789klmn', 'Gizli123!']

    """
    spans = [match.span() for match in _KEY.finditer(text)]
    spans.extend(match.span(1) for match in _BEARER.finditer(text))
    for match in _PASSWORD.finditer(text):
        group = next(index for index in (1, 2, 3) if match.group(index) is not None)
        if _is_password(match.group(group), keyed=group == 1):
            spans.append(match.span(group))
    spans.sort()
    position = 0
    for start, end in spans:
        if start >= position:
            yield start, end
            position = end

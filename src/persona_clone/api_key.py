r"""
Checking the shape of an API key before it is sent anywhere.

A key copied from a file with Windows line ends carries a trailing ``\r``; one
pasted from a chat or a PDF may carry a non-breaking space or a typographic
dash. The service answers such keys with a refusal after retries, and the HTTP
library with a raw ``UnicodeEncodeError``. `check_api_key` says what is wrong
at once, and never shows the key.
"""

from __future__ import annotations

import unicodedata

from .errors import ConfigError


__all__ = ["check_api_key"]

_NAMES = {"\r": "a carriage return (\\r)", "\n": "a line feed (\\n)", "\t": "a tab"}


def _describe(character: str) -> str:
    named = _NAMES.get(character)
    if named is not None:
        return named
    name = unicodedata.name(character, "unnamed character")
    return f"U+{ord(character):04X} ({name.lower()})"


def check_api_key(key: str, *, source: str = "OPENAI_API_KEY") -> str:
    r"""
    Return *key* when it looks like an API key: printable ASCII, no spaces.

    Args:
        key: The key.
        source: Where it came from, for the message (a variable or option name).

    Raises:
        ConfigError: The key is empty or holds a character no key has; the
            message names the character and its position, never the key.

    Example:
        >>> check_api_key("sk-test\r")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        persona_clone.errors.ConfigError: OPENAI_API_KEY: ... a carriage return (\r) at its end ...

    """
    if not key:
        msg = f"{source}: expected an API key, found it unset or empty"
        raise ConfigError(msg)
    for index, character in enumerate(key):
        if "!" <= character <= "~":
            continue
        if index == len(key) - 1:
            where = "at its end"
        elif index == 0:
            where = "at its start"
        else:
            where = f"at position {index + 1} of {len(key)}"
        hint = ""
        if character == "\r":
            hint = " (was it read from a file with Windows line ends?)"
        elif not character.isascii():
            hint = " (was it pasted from a document that changed a character?)"
        msg = (
            f"{source}: expected an API key of printable ASCII characters without "
            f"spaces, found {_describe(character)} {where}{hint}"
        )
        raise ConfigError(msg)
    return key

"""
WhatsApp ``.txt`` and ``.zip`` exports, Android and iOS, any locale.

- ``whatsapp.parser``: `WhatsAppParser`, the plugin.
- ``whatsapp.grammar``: the header survey that learns a file's header shape.
- ``whatsapp.reader``: the streaming reader that turns lines into messages.
- ``whatsapp.locale``: the phrase tables (system events, media placeholders) by language.
"""

from __future__ import annotations

from .parser import DateOrder, WhatsAppParser


__all__ = ["DateOrder", "WhatsAppParser"]

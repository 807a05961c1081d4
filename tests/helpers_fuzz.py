"""Hypothesis strategies for fuzzing the JSON export parsers."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st


__all__ = ["EXPORT_JSON"]

EXPORT_JSON: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "messages",
                    "type",
                    "text",
                    "id",
                    "from",
                    "date_unixtime",
                    "chats",
                    "list",
                    "sender_name",
                    "timestamp_ms",
                    "content",
                    "photos",
                    "is_unsent",
                    "name",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)
"""Small JSON values whose object keys are those of Telegram and Messenger exports."""

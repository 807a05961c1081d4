from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from persona_clone._jsonl import dumps_line


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=10,
)


class TestDumpsLine:
    @given(_JSON)
    def test_same_text_as_json_dumps(self, value: Any) -> None:
        """A line is json.dumps with UTF-8 kept and no spaces, plus a newline."""
        expected = json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n"

        assert expected == dumps_line(value)

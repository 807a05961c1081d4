"""
Conversations: a chronological message stream cut into sessions of turns.

- `Sessionizer` (``conversation.sessionizer``): a new session where the chat pauses.
- `Merger` (``conversation.merger``): a person's consecutive messages become one turn.
- ``conversation.streams``: steps over message streams, and merging several
  chronological streams into one.
"""

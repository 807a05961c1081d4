"""
Serving: the clone in a live chat.

- ``serving.buffer``: `ConversationBuffer`, the bounded context and the quiet-window rule.
- ``serving.responder``: `Responder`, one model call rendered exactly as in training.
- ``serving.loop_guard``: `LoopGuard`, which keeps the clone from fixating on one phrase.
- ``serving.discord``: the Discord adapter.
"""

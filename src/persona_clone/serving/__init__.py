"""
Serving: the clone in a live chat.

- ``serving.buffer``: `ConversationBuffer`, the bounded context and the quiet-window rule.
- ``serving.responder``: `Responder`, one model call rendered exactly as in training.
- ``serving.loop_guard``: `LoopGuard`, which keeps the clone from fixating on one phrase.
- ``serving.privacy``: `LivePrivacy`, the live chat filtered like the dataset (opt-outs, redaction).
- ``serving.moderation``: moderators that hold back replies the clone should not send.
- ``serving.discord``: the Discord adapter.
"""

"""How a delivery can fail, as the senders tell the outbox (notifications/delivery.py)."""


class RetryLater(Exception):
    """Not sent yet, through no fault of the message: a rate limit, or Telegram's 429 with ``retry_after``.
    Not counted as an attempt; the row waits ``seconds``."""

    def __init__(self, seconds: float, reason: str):
        super().__init__(reason)
        self.seconds = max(float(seconds), 0.0)


class Undeliverable(Exception):
    """The recipient refuses the message for good (an unknown chat, a refused address): no retry."""


class ProviderError(Exception):
    """The provider answered with an error worth another try later (5xx, or ``ok: false``)."""

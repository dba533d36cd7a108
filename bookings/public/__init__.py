"""Everything a guest reaches without an account: the booking and look-up pages, the website's JSON API, and
their abuse controls (rate limits, idempotency). Only the URLconf imports from here; the rules and writes are
the booking domain's (``bookings.services``)."""

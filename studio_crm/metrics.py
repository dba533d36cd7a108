"""The studio's business metrics on /metrics, beside django-prometheus' request and database metrics.

Counters move where their event happens: each app counts its own (bookings/receivers.py and
bookings/errors.py, employees/receivers.py, notifications/delivery.py, the live pages' sockets in
studio_crm/live.py). Counters are per process, as Prometheus expects: it sums them over the processes it
scrapes (every ASGI process's /metrics, and a worker's METRICS_PORT). What is a state rather than an event
(queue depth, the connection pool) is read when Prometheus scrapes (studio_crm/gauges.py).
deploy/grafana/studio-crm.json charts them; the README's "Watching it in production" says what each means.
"""

from prometheus_client import Counter, Gauge

BOOKINGS_CREATED = Counter("studio_bookings_created", "Bookings made, by source and the state they start in.",
                           ["source", "state"])
BOOKING_CONFLICTS = Counter("studio_booking_conflicts",
                            "Bookings, changes and confirmations refused because the time was taken, by what took "
                            "it: booked (another booking), closed (a calendar block) or equipment.", ["kind"])
BOOKING_TRANSITIONS = Counter("studio_booking_transitions", "Bookings moved through the state machine.",
                              ["from_state", "to_state"])
GUEST_CANCELLATIONS = Counter("studio_guest_cancellations", "Bookings guests cancelled online themselves.")
NOTIFICATION_DELIVERIES = Counter("studio_notification_deliveries",
                                  "Attempts to send an outbox message, by channel and outcome: sent, failed (tried "
                                  "again later), dead (given up) or queued (the channel asked to wait).",
                                  ["channel", "outcome"])
SIGN_IN_FAILURES = Counter("studio_sign_in_failures", "Failed staff sign-ins: a wrong password or code.")
SIGN_IN_LOCKOUTS = Counter("studio_sign_in_lockouts", "Staff sign-ins refused by a lockout of the account from that "
                           "address (django-axes), the failure that locked it included.")
WEBSOCKET_CONNECTIONS = Gauge("studio_websocket_connections", "Live pages open now, by page.", ["page"])

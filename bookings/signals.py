"""Events of the booking domain. All but ``booking_recorded`` are sent after the transaction commits
(``transaction.on_commit``), so a receiver never sees a change that rolled back. Receivers must not raise
into the sender.
"""

from django.dispatch import Signal

# A booking was made. Arguments: booking (Booking), by (Employee or None for a guest).
booking_created = Signal()

# A booking's details changed (time, space, equipment, client details, payment, notes).
# Arguments: booking (Booking), by (Employee or None), fields (set of changed field names).
booking_updated = Signal()

# A booking moved through the state machine. Arguments: booking (Booking), from_state (str),
# to_state (str), by (Employee or None), reason (str), actor_kind (ActorKind: employee, guest or system).
booking_state_changed = Signal()

# Sent inside the transaction of a booking change (created, updated, state changed), so that what must
# exist exactly when the change commits (the notifications outbox) is written with it. Arguments: booking
# (Booking, as saved), event ("created", "updated" or "state_changed"), by (Employee or None), from_state
# and to_state (str; equal for "updated"), reason (str), fields (set of changed field names; empty unless
# "updated"). A receiver that raises rolls the change back, so receivers only write rows; anything that
# talks to the network waits for transaction.on_commit.
booking_recorded = Signal()

# A space was closed for a time, or reopened. Arguments: block (CalendarBlock; when deleted, as it was),
# by (Employee), deleted (bool: the block was removed, so its time is open again).
block_changed = Signal()

"""Events of the booking domain. All are sent after the transaction commits (``transaction.on_commit``),
so a receiver never sees a change that rolled back. Receivers must not raise into the sender.
"""

from django.dispatch import Signal

# A booking was made. Arguments: booking (Booking), by (Employee or None for a guest).
booking_created = Signal()

# A booking's details changed (time, space, equipment, client details, payment, notes).
# Arguments: booking (Booking), by (Employee or None), fields (set of changed field names).
booking_updated = Signal()

# A booking moved through the state machine. Arguments: booking (Booking), from_state (str),
# to_state (str), by (Employee or None), reason (str).
booking_state_changed = Signal()

# A space was closed for a time, or reopened. Arguments: block (CalendarBlock; when deleted, as it was),
# by (Employee), deleted (bool: the block was removed, so its time is open again).
block_changed = Signal()

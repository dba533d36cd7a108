"""Events of compliance."""

from django.dispatch import Signal

# A data-subject request was answered (done or refused), inside the transaction that answers it. Arguments:
# request (DataRequest), email (str: the address the guest gave with the booking they asked from, read before
# an erasure cleared it; "" when there is none). The guest's notice is written by a receiver (compliance/receivers.py), so that it
# exists exactly when the answer committed.
data_request_completed = Signal()

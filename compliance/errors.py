class ErasureRefused(Exception):
    """An erasure that cannot go ahead as asked; ``bookings`` are the active bookings standing in its way."""

    def __init__(self, message: str, bookings=()):
        super().__init__(message)
        self.message = message
        self.bookings = list(bookings)

from django.db import models


class CardPosition(models.Model):
    """Where staff placed a booking's card inside its column on the board.

    Cards without a position follow the placed ones, by start time.
    """

    booking = models.OneToOneField("bookings.Booking", on_delete=models.CASCADE, related_name="card_position")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return f"{self.booking_id} at {self.position}"

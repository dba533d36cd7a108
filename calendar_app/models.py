import secrets

from django.conf import settings
from django.db import models


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A secret iCal address. With an employee it follows what that employee may see (all their
    spaces, or one space); without one it is a plain feed of one space. Regenerating the token
    makes the old address stop working.
    """

    token = models.CharField(max_length=64, unique=True, default=new_feed_token, editable=False)
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    space = models.ForeignKey(
        "bookings.Space", null=True, blank=True, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(employee__isnull=False) | models.Q(space__isnull=False),
                name="calendar_feed_has_owner_or_space",
            )
        ]

    def __str__(self):
        return f"Feed of {self.space or 'all spaces'} for {self.employee or 'everyone with the link'}"

    def regenerate(self) -> None:
        self.token = new_feed_token()
        self.save(update_fields=["token"])

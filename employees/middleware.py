import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils import timezone

ACTIVITY_KEY = "studio_last_seen"
# last_activity is written at most once a minute per session, not on every request.
TOUCH_EVERY_SECONDS = 60


class StaffSessionMiddleware:
    """Ends a staff session that has been idle too long, and records the employee's last activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(ACTIVITY_KEY, now)
            if now - last_seen > settings.STAFF_IDLE_TIMEOUT_MINUTES * 60:
                logout(request)
                messages.info(request, "You were signed out after a period of inactivity.")
                return redirect(f"{settings.LOGIN_URL}?next={request.path}")
            if now - last_seen >= TOUCH_EVERY_SECONDS or ACTIVITY_KEY not in request.session:
                request.session[ACTIVITY_KEY] = now
                user.last_activity = timezone.now()
                type(user).objects.filter(pk=user.pk).update(last_activity=user.last_activity)
        return self.get_response(request)

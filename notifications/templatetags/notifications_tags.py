from datetime import datetime

from django import template
from django.utils import timezone

from .. import services, telegram
from ..forms import StaffEmailForm
from ..models import StaffNotificationSettings
from ..views import LINK_CODE_SESSION_KEY

register = template.Library()


def _fresh_code(request) -> dict | None:
    """The link code this session was shown, while it can still be used."""
    stored = request.session.get(LINK_CODE_SESSION_KEY)
    if not stored:
        return None
    expires_at = datetime.fromisoformat(stored["expires_at"])
    if expires_at <= timezone.now() or not services.telegram_link_code_is_live(stored["code"]):
        return None
    return {"code": stored["code"], "expires_at": expires_at}


@register.simple_tag(takes_context=True)
def staff_notifications(context) -> dict:
    """What the account page's notifications section shows the signed-in employee."""
    request = context["request"]
    settings_row = StaffNotificationSettings.objects.filter(employee=request.user).first()
    return {
        "settings": settings_row,
        "email_form": StaffEmailForm(instance=settings_row),
        "code": _fresh_code(request),
        "telegram_ready": telegram.is_configured(),
    }

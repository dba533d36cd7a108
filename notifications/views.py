"""The deliveries page (admins and owners), an employee's own notification settings, and the webhook
Telegram posts its updates to."""

import hmac
import json
import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from employees.access import admin_required, staff_required
from studio_crm.htmx import page_or_partial, safe_next

from . import services, telegram_bot
from .forms import DeliveryFilterForm, StaffEmailForm
from .models import Notification

security_log = logging.getLogger("studio.security")

PAGE_SIZE = 50
# The fresh link code, kept in the session for the account page until it is used or expires.
LINK_CODE_SESSION_KEY = "studio_telegram_link_code"


# --- Deliveries -----------------------------------------------------------------------------------------


@admin_required
@require_GET
def deliveries(request):
    form = DeliveryFilterForm(request.GET)
    form.is_valid()  # an unknown filter value is shown as an error and ignored
    notifications = form.filtered(Notification.objects.select_related("booking__space", "employee"))
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, page_or_partial(request, "notifications/deliveries.html", "results"),
                  {"form": form, "page": page, "filtered": form.narrows})


@admin_required
@require_POST
def retry(request, pk):
    notification = get_object_or_404(Notification, pk=pk)
    try:
        services.notification_retry(notification=notification, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The message is queued to be sent again."))
    return redirect(safe_next(request, reverse("notification_list")))


# --- The employee's own settings (shown on the account page) ----------------------------------------------


@staff_required
@require_POST
def telegram_code(request):
    code, expires_at = services.telegram_link_code_create(employee=request.user)
    request.session[LINK_CODE_SESSION_KEY] = {"code": code, "expires_at": expires_at.isoformat()}
    return redirect(reverse("account") + "#notifications")


@staff_required
@require_POST
def telegram_unlink(request):
    services.telegram_unlink(employee=request.user)
    request.session.pop(LINK_CODE_SESSION_KEY, None)
    messages.success(request, _("Your Telegram account is unlinked."))
    return redirect(reverse("account") + "#notifications")


@staff_required
@require_POST
def email_choices(request):
    form = StaffEmailForm(request.POST)
    if form.is_valid():
        services.staff_email_choices_save(employee=request.user, choices=form.cleaned_data)
        messages.success(request, _("Your email notifications are saved."))
    return redirect(reverse("account") + "#notifications")


# --- Telegram ---------------------------------------------------------------------------------------------


def _secret_matches(request) -> bool:
    secret = settings.TELEGRAM_WEBHOOK_SECRET
    supplied = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    return bool(secret) and hmac.compare_digest(supplied.encode(), secret.encode())


@csrf_exempt
@require_POST
def telegram_webhook(request):
    """Updates from Telegram, which proves itself with the secret token given to setWebhook."""
    if not _secret_matches(request):
        security_log.warning("telegram webhook refused: missing or wrong secret token")
        return HttpResponseForbidden("Wrong secret token.")
    try:
        update = json.loads(request.body)
    except ValueError:
        return HttpResponseBadRequest("Not JSON.")
    if isinstance(update, dict):
        telegram_bot.handle_update(update)
    # Telegram sends an update again until it is answered 200, handled or not.
    return JsonResponse({"ok": True})

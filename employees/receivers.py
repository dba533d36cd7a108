import logging

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

log = logging.getLogger("studio.security")


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


@receiver(user_logged_in, dispatch_uid="employees.log_sign_in")
def log_sign_in(sender, request, user, **kwargs):
    log.info("sign-in employee=%s ip=%s", user.username, client_ip(request))


@receiver(user_logged_out, dispatch_uid="employees.log_sign_out")
def log_sign_out(sender, request, user, **kwargs):
    log.info("sign-out employee=%s ip=%s", getattr(user, "username", None), client_ip(request))


@receiver(user_login_failed, dispatch_uid="employees.log_sign_in_failure")
def log_sign_in_failure(sender, credentials, request=None, **kwargs):
    log.warning("sign-in failed username=%s ip=%s", credentials.get("username"), client_ip(request))

import copy
import logging
import time

from axes.signals import user_locked_out
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from studio_crm import metrics
from studio_crm.network import client_ip

from .middleware import SIGNED_IN_AT_KEY
from .models import Employee, EmployeeStatus, Role, StaffSession
from .services import staff_session_touch
from .signals import staff_access_changed_on_commit

log = logging.getLogger("studio.security")

ADMINS_GROUP = "Admins"
# Admins see these apps' records in the Django admin but change them through the back office.
ADMINS_VIEW_APPS = ["bookings", "employees"]


@receiver(user_logged_in, dispatch_uid="employees.log_sign_in")
def log_sign_in(sender, request, user, **kwargs):
    log.info("sign-in employee=%s ip=%s", user.username, client_ip(request))
    if request is not None and hasattr(request, "session"):
        # The session's absolute lifetime counts from here (employees/middleware.py).
        request.session[SIGNED_IN_AT_KEY] = time.time()
        if not request.session.session_key:
            request.session.save()
        staff_session_touch(request=request, employee=user)
    if user.status == EmployeeStatus.INVITED:
        user.status = EmployeeStatus.ACTIVE
        user.save(update_fields=["status"])


@receiver(user_logged_out, dispatch_uid="employees.log_sign_out")
def log_sign_out(sender, request, user, **kwargs):
    log.info("sign-out employee=%s ip=%s", getattr(user, "username", None), client_ip(request))
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        StaffSession.objects.filter(session_key=key).delete()


@receiver(user_login_failed, dispatch_uid="employees.log_sign_in_failure")
def log_sign_in_failure(sender, credentials, request=None, **kwargs):
    # %r: a typed username is quoted and its control characters escaped, so it cannot write a line of its own.
    log.warning("sign-in failed username=%r ip=%s", credentials.get("username"), client_ip(request))
    metrics.SIGN_IN_FAILURES.inc()


@receiver(user_locked_out, dispatch_uid="employees.log_lockout")
def log_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    log.warning("sign-in locked out username=%s ip=%s", username, ip_address)
    metrics.SIGN_IN_LOCKOUTS.inc()


def admins_group() -> Group:
    """The "Admins" group: view permissions on the studio's records in the Django admin."""
    group, _ = Group.objects.get_or_create(name=ADMINS_GROUP)
    wanted = Permission.objects.filter(content_type__app_label__in=ADMINS_VIEW_APPS, codename__startswith="view_")
    group.permissions.set(wanted)
    return group


def ensure_admins_group(sender, using="default", **kwargs):
    """post_migrate: create the Admins group (permissions exist only after every app migrated) and
    put every admin-role employee in it."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    for label in ADMINS_VIEW_APPS:
        create_permissions(global_apps.get_app_config(label), verbosity=0, using=using)
    group = admins_group()
    group.user_set.set(Employee.objects.filter(role=Role.ADMIN))


@receiver(post_save, sender=Employee, dispatch_uid="employees.sync_admins_group")
def sync_admins_group(sender, instance, created, update_fields=None, raw=False, **kwargs):
    if raw or (update_fields is not None and "role" not in update_fields):
        return
    group = Group.objects.filter(name=ADMINS_GROUP).first()
    if group is None:
        return
    if instance.role == Role.ADMIN:
        instance.groups.add(group)
    elif not created:
        instance.groups.remove(group)


@receiver(post_delete, sender=Employee, dispatch_uid="employees.deleted")
def employee_deleted(sender, instance, **kwargs):
    """Deleted (in the Django admin): their open live pages check again, and close."""
    # A copy: the deletion clears the instance's pk before the transaction commits.
    staff_access_changed_on_commit(employee=copy.copy(instance))

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    MANAGER = "manager", _("Manager")


class EmployeeStatus(models.TextChoices):
    # An employee's status, not a booking's: "Active" here is a person who may sign in.
    ACTIVE = "active", pgettext_lazy("employee status", "Active")
    INVITED = "invited", pgettext_lazy("employee status", "Invited")
    DEACTIVATED = "deactivated", pgettext_lazy("employee status", "Deactivated")


class EmployeeManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.OWNER)
        return super().create_superuser(username, email, password, **extra_fields)


class Employee(AbstractUser):
    """A member of the studio's staff. Guests never have an account."""

    employee_id = models.UUIDField(_("employee ID"), default=uuid.uuid4, unique=True, editable=False)
    # AbstractUser's first/last name are unused: the studio writes names as people give them.
    first_name = None
    last_name = None
    full_name = models.CharField(_("full name"), max_length=150)
    email = models.EmailField(_("email"), unique=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MANAGER)
    status = models.CharField(_("status"), max_length=16, choices=EmployeeStatus.choices, default=EmployeeStatus.ACTIVE)
    last_activity = models.DateTimeField(_("last activity"), null=True, blank=True)
    # Set with a temporary password an owner or admin gave out; cleared when the employee chooses their own.
    must_change_password = models.BooleanField(_("must change password"), default=False)
    # Pages, mail and messages for this employee; blank: the studio's language (STUDIO_LANGUAGE).
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)

    objects = EmployeeManager()

    REQUIRED_FIELDS = ["email", "full_name"]

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("employee")
        verbose_name_plural = _("employees")

    def __str__(self):
        return self.full_name or self.username

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.username

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    @property
    def is_admin_or_owner(self) -> bool:
        return self.role in (Role.OWNER, Role.ADMIN)

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER

    @property
    def mfa_required(self) -> bool:
        """Every role signs in with a second factor: managers too read guests' phones and export them."""
        return True

    def save(self, *args, **kwargs):
        # Owners use the Django admin; nobody else is staff there.
        self.is_staff = self.role in (Role.OWNER, Role.ADMIN)
        self.is_superuser = self.role == Role.OWNER
        self.is_active = self.status != EmployeeStatus.DEACTIVATED
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "is_staff", "is_superuser", "is_active"}
        super().save(*args, **kwargs)

    def touch(self):
        """Record activity now (one UPDATE of this column only)."""
        self.last_activity = timezone.now()
        Employee.objects.filter(pk=self.pk).update(last_activity=self.last_activity)


class StaffSession(models.Model):
    """What an employee sees of one of their signed-in sessions: where from, and when last used.

    The Django session itself lives in the session store under ``session_key``; revoking deletes both.
    """

    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.CASCADE, related_name="staff_sessions"
    )
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("signed in"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        ordering = ["-last_seen"]
        verbose_name = _("staff session")
        verbose_name_plural = _("staff sessions")

    def __str__(self):
        return f"{self.employee} · {self.device_label}"

    @property
    def device_label(self) -> str:
        from .useragents import device_label

        return device_label(self.user_agent)

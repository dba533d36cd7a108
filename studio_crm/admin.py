"""What the owners' admin leaves out: the libraries' own tables, each of which has a page of the studio's.

The admins' group is kept by the employees' roles (employees/receivers.py: editing it by hand would undo a role),
the audit trail is read on /compliance/audit/ (contact details masked, filters, export), lockouts and
authenticator devices are managed on each employee's page, and the job queue shows on /notifications/.
Their raw admin pages were English-only and showed what those pages deliberately hide.
"""

from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_rq.models import Dashboard

for model in (Group, LogEntry, AccessAttempt, AccessFailureLog, AccessLog, StaticDevice, TOTPDevice, Dashboard):
    if admin.site.is_registered(model):
        admin.site.unregister(model)

admin.site.site_header = admin.site.site_title = settings.STUDIO_NAME
admin.site.index_title = _("Studio administration")

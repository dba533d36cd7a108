"""The periodic jobs for RQ's cron scheduler: ``manage.py rqcron notifications.cron`` (``make worker``).

Run one scheduler per deployment; it only enqueues, rqworker runs the jobs. A second scheduler would
enqueue everything twice, which the jobs shrug off (dedupe keys, the sweeper's claim) but need not.
"""

from django.conf import settings
from rq import cron

from compliance import jobs as compliance_jobs

from . import jobs

cron.register(jobs.deliver_due, "default", interval=60, result_ttl=0)
cron.register(jobs.reminders_and_expiry, "default", interval=max(settings.JOBS_EVERY_MINUTES, 1) * 60, result_ttl=0)
cron.register(compliance_jobs.anonymize_expired, "default", interval=compliance_jobs.DAILY_SECONDS, result_ttl=0)

"""Who runs the periodic jobs: RQ's cron scheduler with Redis, one thread of the server process without."""

from unittest import mock

import pytest
from django.conf import settings
from django.core.signals import request_started

from notifications import background, jobs


def test_no_scheduler_starts_under_the_tests_or_with_redis():
    assert settings.JOBS_IN_SERVER_PROCESS is False
    assert not any("notifications.scheduler" in str(receiver[0]) for receiver in request_started.receivers)


def test_the_server_process_starts_one_scheduler_whatever_the_number_of_requests(monkeypatch):
    monkeypatch.setattr(background, "_scheduler", None)
    started = []
    monkeypatch.setattr(background, "_scheduler_loop", lambda: started.append(1))
    for _ in range(5):
        background.start_scheduler(sender=None)
    background._scheduler.join(5)
    assert started == [1]


def test_the_sweeper_runs_every_minute_and_reminders_every_few(settings):
    settings.JOBS_EVERY_MINUTES = 5
    with mock.patch.object(jobs, "deliver_due") as sweep, mock.patch.object(jobs, "reminders_and_expiry") as remind:
        for tick in range(1, 11):
            background.run_scheduled(tick)
    assert sweep.call_count == 10 and remind.call_count == 2


@pytest.mark.django_db
def test_rqs_cron_scheduler_runs_the_sweeper_and_the_reminders():
    from django_rq.cron import DjangoCronScheduler

    scheduler = DjangoCronScheduler()
    scheduler.load_config_from_file("notifications.cron")
    assert {(job.func_name, job.interval) for job in scheduler.get_jobs()} >= {
        ("notifications.jobs.deliver_due", 60),
        ("notifications.jobs.reminders_and_expiry", settings.JOBS_EVERY_MINUTES * 60),
    }

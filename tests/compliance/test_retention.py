import io
import threading
from datetime import timedelta
from unittest import mock

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from bookings import reports
from bookings.models import Booking, BookingState, Client, Space
from compliance import retention
from compliance.models import RetentionRun, SecurityEvent, SecurityKind
from compliance.services import retention_run
from notifications.models import Audience, Channel, Kind, Notification, Status
from tests.factories import ClientFactory

from .conftest import YEAR, past_booking

pytestmark = pytest.mark.django_db
DAYS = 2555  # RETENTION_DAYS' default: seven years


def month_figures(bookings_start):
    period = reports.month_period(timezone.localdate(bookings_start))
    figures = reports.period_figures(Booking.objects.all(), Space.objects.all(), period)
    return figures.revenue, figures.bookings, figures.booked_hours, figures.utilisation


def snapshot():
    """Every row the retention may touch, as stored."""
    return (list(Booking.objects.order_by("pk").values()), list(Client.objects.order_by("pk").values()),
            list(LogEntry.objects.order_by("pk").values()), list(Notification.objects.order_by("pk").values()))


@pytest.fixture
def history(space):
    """Two old guests (eight years ago), one of them back last year, and a recent one."""
    old = ClientFactory(name="Olga Old", notes="Prefers mornings")
    returning = ClientFactory(name="Roman Returning")
    bookings = [
        past_booking(space, years_ago=8, client=old, notes="Paid cash", special_requirements="Smoke machine",
                     internal_notes="Late twice", consent_ip="198.51.100.4", client_email="olga@example.com"),
        past_booking(space, years_ago=8.01, client=old, state=BookingState.NO_SHOW),
        past_booking(space, years_ago=8.02, client=returning),
        past_booking(space, years_ago=1, client=returning),
        past_booking(space, years_ago=0.5),
    ]
    Notification.objects.create(kind=Kind.CONFIRMED, channel=Channel.EMAIL, audience=Audience.GUEST,
                                booking=bookings[0], recipient="olga@example.com", dedupe_key="old-1",
                                status=Status.SENT, created_at=bookings[0].start - timedelta(days=2))
    return bookings


def test_expired_bookings_lose_their_guest_but_keep_what_reports_count(history):
    before = month_figures(history[0].start)
    assert history[0].client_email_index  # the email finds it, until

    run = retention_run(days=DAYS, by=None)

    assert month_figures(history[0].start) == before
    old = Booking.objects.get(pk=history[0].pk)
    assert (old.client_name, old.client_phone, old.client_phone_index, old.client_email, old.client_email_index) == (
        "Anonymised guest", "", "", "", "")
    assert (old.notes, old.special_requirements, old.internal_notes, old.consent_ip) == ("", "", "", None)
    assert (old.start, old.end, old.space_id, old.state, old.total_price) == (
        history[0].start, history[0].end, history[0].space_id, history[0].state, history[0].total_price)
    recent = Booking.objects.get(pk=history[3].pk)
    assert recent.client_name == "Roman Returning" and recent.client_phone_index
    assert (run.bookings, run.clients, run.notifications, run.dry_run, run.interrupted) == (3, 1, 1, False, False)


def test_a_card_made_only_of_expired_bookings_disappears_and_the_rest_stay(history, owner, staff_client):
    retention_run(days=DAYS, by=None)

    names = set(Client.objects.values_list("name", flat=True))
    assert "Olga Old" not in names and "Roman Returning" in names
    assert Client.objects.get(name="Roman Returning").bookings.count() == 1
    page = staff_client(owner).get("/clients/").content.decode()
    assert "Anonymised guest" not in page and "Roman Returning" in page


def test_an_anonymised_booking_is_found_by_its_reference_not_by_its_label(history, owner, staff_client):
    retention_run(days=DAYS, by=None)

    client = staff_client(owner)
    by_label = client.get("/bookings/", {"q": "Anonymised guest", "all": "1"}).content.decode()
    by_reference = client.get("/bookings/", {"q": history[0].reference, "all": "1"}).content.decode()
    assert history[0].reference not in by_label and history[0].reference in by_reference
    assert "Anonymised guest" in by_reference


def test_old_messages_and_audit_entries_lose_their_personal_data(history):
    message = Notification.objects.get(dedupe_key="old-1")
    client_id = history[3].client_id
    entry = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Client), object_id=client_id, object_pk=str(client_id),
        object_repr="Roman Returning", action=LogEntry.Action.UPDATE, remote_addr="198.51.100.9",
        actor_email="olga.owner@studio.test", changes={"notes": ["", "Calls at noon"], "do_not_book": ["False", "True"]})
    LogEntry.objects.filter(pk=entry.pk).update(timestamp=timezone.now() - 8 * YEAR)
    event = SecurityEvent.objects.create(kind=SecurityKind.SIGN_IN, ip="198.51.100.1", at=timezone.now() - 8 * YEAR)

    run = retention_run(days=DAYS, by=None)

    message.refresh_from_db()
    entry.refresh_from_db()
    event.refresh_from_db()
    assert message.recipient == "" and message.status == Status.SENT
    assert entry.changes == {"notes": ["", "[hidden]"], "do_not_book": ["False", "True"]}
    assert (entry.object_repr, entry.remote_addr, entry.actor_email) == (f"#{client_id}", None, "")
    assert event.ip is None
    assert run.audit_entries >= 1 and run.security_events == 1


def test_a_dry_run_changes_no_row_and_says_what_a_run_would(history):
    before = snapshot()

    out = io.StringIO()
    call_command("anonymize_expired", "--dry-run", stdout=out)

    assert snapshot() == before
    assert "Would anonymise 3 booking(s)" in out.getvalue() and "Nothing was changed" in out.getvalue()
    dry = RetentionRun.objects.get()
    assert (dry.dry_run, dry.bookings, dry.clients) == (True, 3, 1)
    real = retention_run(days=DAYS, by=None)
    assert (real.bookings, real.clients, real.notifications) == (dry.bookings, dry.clients, dry.notifications)


@pytest.mark.parametrize("forget_actor", [False, True])
def test_an_entry_keeps_every_change_but_the_values_of_personal_fields(space, forget_actor):
    """The rule the audit entries are cleaned by, whatever shape auditlog gave their changes (PostgreSQL runs it
    as one statement, SQLite row by row: the suite runs on both)."""
    booking_type, client_type = ContentType.objects.get_for_model(Booking), ContentType.objects.get_for_model(Client)
    space_type = ContentType.objects.get_for_model(Space)
    shapes = [
        (booking_type, {"client_name": ["None", "Irina Petrova"], "notes": ["", "Calls at noon"],
                        "special_requirements": ["Old text", ""], "state": ["pending", "confirmed"]}),
        (booking_type, {"internal_notes": {"type": "m2m", "objects": ["x"]}, "total_price": ["1", "2"]}),
        (booking_type, {"client_email": [None, "irina@example.com"], "notes": ["One", "None", "Three"],
                        "client_phone": ["Only one"], "special_requirements": []}),
        (booking_type, {}),
        (booking_type, None),
        (booking_type, ["not", "an", "object"]),
        (client_type, {"name": ["Irina", "Irina Petrova"], "do_not_book": ["False", "True"]}),
        (space_type, {"name": ["White", "White Hall"], "notes": ["a", "b"]}),
    ]
    entries = [LogEntry.objects.create(
        content_type=content_type, object_id=n, object_pk=str(n), object_repr=f"record {n}",
        action=LogEntry.Action.UPDATE, remote_addr="198.51.100.9", actor_email="olga.owner@studio.test",
        changes_text="kept in text", changes=changes) for n, (content_type, changes) in enumerate(shapes, 1)]

    cleaned = retention._clean_entries(LogEntry.objects.filter(pk__in=[entry.pk for entry in entries]),
                                       forget_actor=forget_actor)

    assert cleaned == len(entries)
    stored = list(LogEntry.objects.filter(pk__in=[entry.pk for entry in entries]).order_by("pk"))
    assert [entry.changes for entry in stored] == [
        {"client_name": ["None", "[hidden]"], "notes": ["", "[hidden]"], "special_requirements": ["[hidden]", ""],
         "state": ["pending", "confirmed"]},
        {"internal_notes": {"type": "m2m", "objects": ["x"]}, "total_price": ["1", "2"]},
        {"client_email": [None, "[hidden]"], "notes": ["[hidden]", "None", "[hidden]"], "client_phone": ["[hidden]"],
         "special_requirements": []},
        {},
        None,
        ["not", "an", "object"],
        {"name": ["[hidden]", "[hidden]"], "do_not_book": ["False", "True"]},
        {"name": ["White", "White Hall"], "notes": ["a", "b"]},
    ]
    assert [entry.object_repr for entry in stored] == [f"record {n}" for n in range(1, 7)] + ["#7", "record 8"]
    assert {(entry.changes_text, entry.remote_addr, entry.serialized_data) for entry in stored} == {("", None, None)}
    assert {entry.actor_email for entry in stored} == ({""} if forget_actor else {"olga.owner@studio.test"})


def test_cleaning_the_entries_of_no_rows_changes_nothing(history):
    """A person known only by a client card has no bookings: their bookings' entries are none (PostgreSQL's one
    statement must not be built over an empty set)."""
    before = list(LogEntry.objects.order_by("pk").values())
    assert retention.clean_entries_of(Booking, Booking.objects.filter(pk__in=[])) == 0
    assert retention.clean_entries_of(Client, []) == 0
    assert list(LogEntry.objects.order_by("pk").values()) == before


def test_an_interrupted_run_resumed_ends_as_one_that_ran_through(history, monkeypatch):
    monkeypatch.setattr(retention, "BATCH", 1)
    real = retention.bookings_anonymise
    calls = []

    def dies_on_the_second_batch(ids, **options):
        calls.append(ids)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(ids, **options)

    with mock.patch.object(retention, "bookings_anonymise", dies_on_the_second_batch), \
            pytest.raises(KeyboardInterrupt):
        retention_run(days=DAYS, by=None)
    assert RetentionRun.objects.get().interrupted
    assert Booking.objects.filter(client_phone_index="").count() == 1  # the first batch stayed done

    retention_run(days=DAYS, by=None)
    again = retention_run(days=DAYS, by=None)

    assert Booking.objects.filter(client_phone_index="").count() == 3
    assert set(Client.objects.values_list("name", flat=True)) >= {"Roman Returning", "Anonymised guest"}
    assert not Client.objects.filter(name="Olga Old").exists()
    assert (again.bookings, again.clients) == (0, 0)


postgres_only = pytest.mark.skipif(not settings.IS_POSTGRES, reason="PostgreSQL runs the batches side by side")


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_connections_share_the_batches_and_end_as_one_would(history, monkeypatch, settings):
    """Each batch commits on its own, so outside a transaction two connections take turns at them: both at
    work at once (each waits for the other here), and the result is the run's."""
    settings.RETENTION_WORKERS = 2
    monkeypatch.setattr(retention, "BATCH", 1)
    real, both_at_work = retention.bookings_anonymise, threading.Barrier(2, timeout=10)
    backends = set()

    def meets_the_other(batch, **options):
        backend = connection.connection.info.backend_pid
        if backend not in backends:  # each connection's first batch
            backends.add(backend)
            both_at_work.wait()
        return real(batch, **options)

    with mock.patch.object(retention, "bookings_anonymise", meets_the_other):
        run = retention_run(days=DAYS, by=None)

    assert len(backends) == 2
    assert (run.bookings, run.clients, run.interrupted) == (3, 1, False)
    assert set(Booking.objects.filter(client_phone_index="").values_list("pk", flat=True)) == {
        booking.pk for booking in history[:3]}
    assert not Client.objects.filter(name="Olga Old").exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_connection_that_fails_stops_the_other_and_the_rerun_finishes(history, monkeypatch, settings):
    settings.RETENTION_WORKERS = 2
    monkeypatch.setattr(retention, "BATCH", 1)
    real, calls, counting, stopped = retention.bookings_anonymise, [], threading.Lock(), threading.Event()

    def fails_on_the_first_batch(batch, **options):
        with counting:
            calls.append(batch)
            first = len(calls) == 1
        if first:
            stopped.set()
            raise RuntimeError("the connection dropped")
        stopped.wait(10)  # the other worker's batch ends after the failure
        return real(batch, **options)

    with mock.patch.object(retention, "bookings_anonymise", fails_on_the_first_batch), \
            pytest.raises(RuntimeError, match="dropped"):
        retention_run(days=DAYS, by=None)
    assert RetentionRun.objects.get().interrupted
    assert len(calls) <= 2  # the other worker finished the batch it had, and took no more

    again = retention_run(days=DAYS, by=None)
    assert Booking.objects.filter(client_phone_index="").count() == 3
    assert again.bookings == 3 - (len(calls) - 1)
    assert not Client.objects.filter(name="Olga Old").exists()


def test_audit_entries_of_many_bookings_are_written_back_in_several_statements(history, monkeypatch):
    monkeypatch.setattr(retention, "ENTRIES_PER_STATEMENT", 2)
    booking_type = ContentType.objects.get_for_model(Booking)
    for booking in history[:4]:
        for n in range(3):
            LogEntry.objects.create(content_type=booking_type, object_id=booking.pk, object_pk=str(booking.pk),
                                    object_repr=booking.reference, action=LogEntry.Action.UPDATE,
                                    remote_addr="198.51.100.9", changes={"notes": ["", f"Call {n}"]})

    retention_run(days=DAYS, by=None)

    def entries(bookings):
        return [(entry.changes, entry.remote_addr) for entry in LogEntry.objects.filter(
            content_type=booking_type, action=LogEntry.Action.UPDATE, object_id__in=[b.pk for b in bookings])]
    assert entries(history[:3]) == [({"notes": ["", "[hidden]"]}, None)] * 9
    assert sorted(changes["notes"][1] for changes, _ip in entries(history[3:4])) == ["Call 0", "Call 1", "Call 2"]


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_batch_commits_without_waiting_for_the_disk_only_in_a_transaction_of_its_own():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's setting")
    with retention.batch_transaction():
        assert _synchronous_commit() == "off"
    assert _synchronous_commit() == "on"
    with transaction.atomic(), retention.batch_transaction():
        assert _synchronous_commit() == "on"


def _entry_updates() -> tuple[int, int]:
    """(updates, heap-only updates) of audit entries in this transaction so far."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables "
                       "WHERE relname = 'auditlog_logentry'")
        return cursor.fetchone()


def test_cleaning_entries_rewrites_them_in_place_without_touching_an_index(space):
    """The audit log's pages leave room for a cleaned version of every entry on them, so a batch's entries are
    rewritten where they lie and none of the table's indexes is written (the retention's cost at scale)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's heap-only updates")
    booking_type = ContentType.objects.get_for_model(Booking)
    LogEntry.objects.bulk_create(LogEntry(
        content_type=booking_type, object_id=n, object_pk=str(n), object_repr=f"REF-{n:05d}",
        action=LogEntry.Action.CREATE, remote_addr="198.51.100.9", actor_email="olga.owner@studio.test",
        changes={"client_name": ["None", f"Guest number {n:05d}"], "notes": ["None", "Calls before noon"],
                 "state": ["None", "pending"]}) for n in range(400))  # a dozen pages or so
    before_updates, before_hot = _entry_updates()

    assert retention._clean_entries(LogEntry.objects.filter(content_type=booking_type), forget_actor=True) == 400

    updates, hot = _entry_updates()
    assert (updates - before_updates, hot - before_hot) == (400, 400)
    assert not LogEntry.objects.filter(changes__client_name__1__startswith="Guest").exists()


def test_the_command_takes_days_and_is_refused_to_anyone_but_an_owner(history, admin, owner):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="only owners"):
        call_command("anonymize_expired", "--by", admin.username, stdout=io.StringIO())
    assert SecurityEvent.objects.filter(kind=SecurityKind.DENIED, employee=admin).exists()
    assert not Booking.objects.filter(client_phone_index="").exists()

    out = io.StringIO()
    call_command("anonymize_expired", "--days", "300", "--by", owner.username, stdout=out)
    assert "Anonymised 4 booking(s)" in out.getvalue() and "client cards removed: 2" in out.getvalue()
    assert RetentionRun.objects.get().by == owner


def test_the_scheduler_runs_it_daily(settings):
    from django_rq.cron import DjangoCronScheduler

    from notifications import background

    scheduler = DjangoCronScheduler()
    scheduler.load_config_from_file("notifications.cron")
    assert ("compliance.jobs.anonymize_expired", 24 * 60 * 60) in {
        (job.func_name, job.interval) for job in scheduler.get_jobs()}
    with mock.patch("compliance.jobs.anonymize_expired") as daily, mock.patch("notifications.jobs.deliver_due"), \
            mock.patch("notifications.jobs.reminders_and_expiry"):
        for tick in range(1, 2 * 24 * 60 + 1):
            background.run_scheduled(tick)
    assert daily.call_count == 2

"""Retention and data-subject requests at a chain's scale (needs PostgreSQL): 1,000,000 bookings that ended
more than RETENTION_DAYS ago with the audit trail their history leaves (an entry for the booking made, naming the
guest, and one for its last change of state, each with the employee's address), built with SQL; the time to find
and export one guest among them, and to anonymise them all with ``anonymize_expired``'s batched, set-based run."""

import time
from decimal import Decimal

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from bookings.models import Booking, Client, Space
from bookings.pii import blind_index
from bookings.search import email_index
from compliance.exports import person_data, person_zip
from compliance.keys import person_keys
from compliance.people import person_find
from compliance.services import retention_run

BOOKINGS = 1_000_000
CLIENTS = 10_000
HALLS = 50
PHONE, EMAIL = "+79030000040", "guest40@example.com"  # client 40: every CLIENTS-th booking, all with email

COLUMNS = ("reference", "space_id", "client_id", "start", "end", "occupied_until", "state", "client_name",
           "client_phone", "client_phone_index", "client_email", "client_email_index", "special_requirements",
           "base_price", "equipment_price", "discount", "total_price", "payment_status", "source", "notes",
           "internal_notes", "consent_policy_version", "consent_at", "consent_ip", "created_at", "updated_at",
           "version")
HISTORY_SQL = """
INSERT INTO bookings_booking ({columns})
SELECT 'REF-R' || lpad(n::text, 7, '0'), hall.id, guest.id, slot_start, slot_start + interval '2 hours',
       slot_start + interval '2 hours', CASE WHEN n %% 17 = 0 THEN 'cancelled' ELSE 'completed' END,
       guest.name, guest.phone, guest.phone_index, CASE WHEN n %% 10 = 0 THEN guest.email ELSE '' END,
       CASE WHEN n %% 10 = 0 THEN guest.email_index ELSE '' END,
       'Backdrop', 4000, 0, 0, 4000, 'paid', 'website', 'Regular', '', '2026-01', slot_start - interval '3 days',
       '203.0.113.7', slot_start - interval '3 days', slot_start - interval '3 days', 1{values}
FROM (SELECT n, now() - interval '8 years' - make_interval(hours => 3 * (n / %(halls)s)::int) AS slot_start
      FROM generate_series(0, %(bookings)s - 1) AS n) AS slots
JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS position FROM bookings_space
      WHERE slug LIKE 'retention-hall-%%') AS hall ON hall.position = slots.n %% %(halls)s
JOIN (SELECT id, name, phone, phone_index, email, email_index, row_number() OVER (ORDER BY id) - 1 AS position
      FROM bookings_client WHERE name LIKE 'Retention guest %%') AS guest ON guest.position = slots.n %% %(clients)s
"""


# Two entries per booking, as the staff pages leave them: "created" with the guest's name and notes (phone and
# email are masked as they are written), then the state it ended in.
ENTRIES_SQL = """
INSERT INTO auditlog_logentry (object_pk, object_id, object_repr, action, changes, "timestamp", content_type_id,
                               remote_addr, changes_text, actor_email)
SELECT b.id::text, b.id, b.reference, entry.action,
       CASE WHEN entry.action = 0 THEN jsonb_build_object(
                'client_name', jsonb_build_array('None', b.client_name), 'client_phone', '["None", "********"]'::jsonb,
                'notes', jsonb_build_array('None', b.notes), 'state', '["None", "pending"]'::jsonb)
            ELSE jsonb_build_object('state', jsonb_build_array('confirmed', b.state)) END,
       b.created_at + entry.action * interval '3 days', %(content_type)s, '198.51.100.4', '', 'admin@studio.example'
FROM bookings_booking b CROSS JOIN (VALUES (0), (1)) AS entry (action)
WHERE b.reference LIKE 'REF-R%%'
"""


def _history_sql() -> tuple[str, dict]:
    """HISTORY_SQL, with the model's default for every other column that takes no NULL (a field added later
    does not break the build)."""
    others = [field for field in Booking._meta.concrete_fields
              if field.column not in COLUMNS and not field.primary_key and not field.null]
    params = {"halls": HALLS, "bookings": BOOKINGS, "clients": CLIENTS}
    params.update({f"default_{field.column}": field.get_db_prep_save(field.get_default(), connection)
                   for field in others})
    columns = ", ".join(connection.ops.quote_name(column) for column in [*COLUMNS, *(f.column for f in others)])
    values = "".join(f", %(default_{field.column})s" for field in others)
    return HISTORY_SQL.format(columns=columns, values=values), params


def _build() -> float:
    began = time.perf_counter()
    Space.objects.bulk_create(Space(name=f"Retention Hall {n}", slug=f"retention-hall-{n}",
                                    hourly_rate=Decimal("2000")) for n in range(HALLS))
    Client.objects.bulk_create((Client(name=f"Retention guest {n:05d}", phone=f"+7903{n:07d}",
                                       phone_index=blind_index(f"+7903{n:07d}"), email=f"guest{n}@example.com",
                                       email_index=email_index(f"guest{n}@example.com"))
                                for n in range(CLIENTS)), batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute(*_history_sql())
        cursor.execute(ENTRIES_SQL, {"content_type": ContentType.objects.get_for_model(Booking).pk})
        cursor.execute("ANALYZE bookings_booking; ANALYZE bookings_client; ANALYZE auditlog_logentry")
    return time.perf_counter() - began


def _timed(work):
    began = time.perf_counter()
    result = work()
    return result, time.perf_counter() - began


def _export(**keys) -> tuple[int, int]:
    person = person_find(**keys)
    return len(person.booking_ids), len(person_zip(person_data(person)))


def _clean_up() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM auditlog_logentry WHERE content_type_id = %s AND object_id IN "
                       "(SELECT id FROM bookings_booking WHERE reference LIKE 'REF-R%%')",
                       [ContentType.objects.get_for_model(Booking).pk])
        cursor.execute("DELETE FROM bookings_booking WHERE reference LIKE 'REF-R%'")
        cursor.execute("DELETE FROM bookings_client WHERE name LIKE 'Retention guest %' OR phone_index = ''")
        cursor.execute("DELETE FROM bookings_space WHERE slug LIKE 'retention-hall-%'")


def run() -> list[tuple[str, str]]:
    if connection.vendor != "postgresql":
        return [(f"anonymising {BOOKINGS:,} expired bookings", "needs PostgreSQL (set DATABASE_URL); skipped")]
    built = _build()
    phone_index, _none = person_keys(phone=PHONE)
    (found, size), by_phone = _timed(lambda: _export(phone_index=phone_index))
    (by_email_found, _size), by_email = _timed(lambda: _export(email_hash=email_index(EMAIL)))
    run_, seconds = _timed(lambda: retention_run(days=settings.RETENTION_DAYS, by=None))
    again, rerun = _timed(lambda: retention_run(days=settings.RETENTION_DAYS, by=None))
    left = Booking.objects.filter(reference__startswith="REF-R").exclude(client_phone_index="").count()
    named = LogEntry.objects.filter(changes__client_name__1__startswith="Retention guest").count()
    _clean_up()
    return [
        (f"build {BOOKINGS:,} expired bookings of {CLIENTS:,} guests, {2 * BOOKINGS:,} audit entries (SQL)",
         f"{built:.1f} s"),
        (f"find and export one guest by phone ({found} bookings)", f"{by_phone:.2f} s; ZIP {size / 1024:.0f} KiB"),
        (f"find and export one guest by email ({by_email_found} bookings)", f"{by_email:.2f} s"),
        (f"anonymise {run_.bookings:,} expired bookings and their history (target < 60 s)",
         f"{seconds:.1f} s ({run_.bookings / seconds:,.0f}/s); {run_.clients:,} client cards removed, "
         f"{run_.audit_entries:,} audit entries cleaned"),
        ("the same run again", f"{rerun:.2f} s; {again.bookings} changed, {left} bookings and {named} entries "
                               "still naming a guest"),
    ]

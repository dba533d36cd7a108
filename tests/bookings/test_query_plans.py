"""On PostgreSQL the checks a booking runs, a day's free hours and the list read only the rows near their time,
through an index, however many years of bookings lie before it.

A test table is small enough that the planner would rather scan it, so each plan is asked for with sequential
scans made as dear as PostgreSQL allows (``SET LOCAL enable_seqscan = off``): the plan shows what the index can
serve, and the bound the query gives it (``start >``) has to appear in the index condition. Without that bound
the index would be read back to the first booking of the hall.
"""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.availability import check_equipment_stock, find_conflict, free_slots
from bookings.models import Booking, BookingEquipment
from bookings.search import bookings_matching
from tests.bulk import bulk_bookings
from tests.factories import BookingFactory, EquipmentFactory, studio_time

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="plans of PostgreSQL's planner"),
    pytest.mark.django_db,
]


def booking_queries(run) -> list[str]:
    """The SQL of every query ``run`` sends that reads the bookings table."""
    with CaptureQueriesContext(connection) as context:
        run()
    return [query["sql"] for query in context.captured_queries if '"bookings_booking"' in query["sql"]]


def plan_of(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE bookings_booking, bookings_bookingequipment")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def page_query(queries: list[str]) -> str:
    """The list's query for the rows of its page (not the count)."""
    return next(sql for sql in queries if "COUNT(" not in sql and "ORDER BY" in sql)


def assert_bounded_by_index(sql: str, *indexes: str) -> None:
    """The plan reads bookings through one of ``indexes``, from a lower bound on the start to an upper one."""
    plan = plan_of(sql)
    assert "Seq Scan on bookings_booking" not in plan, plan
    assert any(f"Index Scan using {index} on bookings_booking" in plan or f"Bitmap Index Scan on {index}" in plan
               for index in indexes), plan
    conditions = [line for line in plan.splitlines() if "Index Cond" in line]
    assert any("start >" in line and "start <" in line for line in conditions), plan


@pytest.fixture
def history(studio):
    """Months of bookings of every hall before the days the tests look at, and one guest's booking among them."""
    for hall in studio.values():
        bulk_bookings(hall, 1000)
    return BookingFactory(space=studio["loft"], start=studio_time(-45, 10), client_name="Irina Petrova")


def test_the_overlap_check_reads_only_the_hall_s_bookings_near_the_time(space, history):
    start = studio_time(5, 12)
    (sql,) = booking_queries(lambda: find_conflict(space, start, start + timedelta(hours=2)))
    assert_bounded_by_index(sql, "bookings_bo_space_i_df409f_idx", "booking_start_idx")


def test_a_day_s_free_hours_read_only_the_bookings_near_that_day(space, history):
    (sql,) = booking_queries(lambda: free_slots(space, studio_time(5).date()))
    assert_bounded_by_index(sql, "bookings_bo_space_i_df409f_idx", "booking_start_idx")


def test_the_stock_check_reads_only_the_bookings_near_the_time_of_every_hall(space, history):
    softbox = EquipmentFactory(stock=3)
    BookingEquipment.objects.bulk_create(
        BookingEquipment(booking=booking, equipment=softbox, quantity=1, price=Decimal("500"))
        for booking in Booking.objects.all()
    )
    start = studio_time(5, 12)
    (sql,) = booking_queries(lambda: check_equipment_stock({softbox: 1}, start, start + timedelta(hours=2)))
    # Equipment is shared by the halls: by state and start, or by start alone, and bounded either way.
    assert_bounded_by_index(sql, "bookings_bo_state_b49c6c_idx", "booking_start_idx")


def test_the_list_pages_newest_first_through_the_index_of_its_sort(staff_client, owner, history):
    client = staff_client(owner)
    client.get("/bookings/?all=1")
    queries = booking_queries(lambda: client.get("/bookings/?all=1"))
    plan = plan_of(page_query(queries))
    assert "Seq Scan on bookings_booking" not in plan, plan
    assert "Index Scan Backward using booking_start_idx on bookings_booking" in plan, plan
    assert "Sort" not in plan, plan


def test_a_search_by_name_finds_rows_through_the_trigram_index(staff_client, owner, history):
    with connection.cursor() as cursor:  # rows just written wait in GIN's pending list until autovacuum, as here
        for index in ("booking_client_name_trgm", "booking_reference_trgm"):
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
    client = staff_client(owner)
    client.get("/bookings/", {"q": "petrova"})
    queries = booking_queries(lambda: client.get("/bookings/", {"q": "petrova"}))
    plan = plan_of(page_query(queries))
    assert "Seq Scan on bookings_booking" not in plan, plan
    assert "Bitmap Index Scan on booking_client_name_trgm" in plan, plan


def test_a_person_s_bookings_are_found_by_their_email_through_its_index(history):
    """A data-subject request by email reads the index of the emails on bookings, not every booking."""
    from bookings.search import email_index
    from compliance.people import person_find

    history.client_email = "irina@example.com"
    history.save()
    queries = booking_queries(lambda: person_find(email_hash=email_index("Irina@Example.com")))
    by_email = next(sql for sql in queries if "client_email_index" in sql)
    plan = plan_of(by_email)
    assert "Seq Scan on bookings_booking" not in plan, plan
    assert "booking_email_index_idx" in plan, plan


def test_a_person_s_bookings_are_found_by_their_phone_through_its_index(history):
    """The phone's index leaves the anonymised bookings out, and the look-up still reads it."""
    from compliance.people import person_find

    queries = booking_queries(lambda: person_find(phone_index=history.client_phone_index))
    by_phone = next(sql for sql in queries if "client_phone_index" in sql)
    plan = plan_of(by_phone)
    assert "Seq Scan on bookings_booking" not in plan, plan
    assert "booking_phone_index_idx" in plan, plan


def test_the_planner_knows_how_many_bookings_carry_a_name(history):
    """The name's trigram index is partial, so its expression's statistics come from a statistics object: a name
    every booking carries is estimated as common, and a search for it reads the first rows of the page's order
    rather than the whole index into a bitmap."""
    carrying = bookings_matching(Booking.objects.all(), "guest")
    sql, params = carrying.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE bookings_booking")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = plan if isinstance(plan, list) else json.loads(plan)
    assert plan[0]["Plan"]["Plan Rows"] >= carrying.count() / 2, plan

"""On PostgreSQL the board reads its bookings through an index bounded by its dates, however many years of
bookings lie around them (see tests/bookings/test_query_plans.py for why sequential scans are made dear)."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import BookingFactory, studio_time

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="plans of PostgreSQL's planner"),
    pytest.mark.django_db,
]


def plan_of(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE bookings_booking")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("who", ["owner", "manager"])
def test_the_board_reads_only_the_bookings_of_its_dates_through_an_index(staff_client, request, studio, who):
    for day in range(-30, 60, 3):
        BookingFactory(space=studio["white"], start=studio_time(day, 10))
        BookingFactory(space=studio["loft"], start=studio_time(day, 12))
    client = staff_client(request.getfixturevalue(who))
    with CaptureQueriesContext(connection) as context:
        assert client.get(reverse("kanban")).status_code == 200
    board = [query["sql"] for query in context.captured_queries if 'FROM "bookings_booking"' in query["sql"]]
    assert len(board) == 2  # the columns' counts and totals, and their first cards
    for sql in board:
        plan = plan_of(sql)
        assert "Seq Scan on bookings_booking" not in plan, plan
        assert "Index Scan" in plan and "on bookings_booking" in plan, plan
        conditions = [line for line in plan.splitlines() if "Index Cond" in line]
        assert any("start >=" in line and "start <" in line for line in conditions), plan

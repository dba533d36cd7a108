"""/bookings/: filters, search, sort, pages, batch actions and the CSV export, as staff use them."""

import csv
import io
import re
from decimal import Decimal

import pytest

from bookings import pagination
from bookings.models import Booking, BookingSource, BookingState, BookingTransition, PaymentStatus
from bookings.services import booking_create
from tests.bulk import bulk_bookings, queries_for
from tests.factories import BookingFactory, ClientFactory, studio_time

pytestmark = pytest.mark.django_db


def rows(response) -> list[str]:
    return [booking.reference for booking in response.context["page"].object_list]


class TestAccess:
    def test_anonymous_is_sent_to_sign_in(self, client):
        response = client.get("/bookings/")
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")

    @pytest.mark.parametrize("role", ["owner", "admin", "manager"])
    def test_every_employee_role_sees_the_list(self, staff_client, request, role, studio):
        client = staff_client(request.getfixturevalue(role))
        assert client.get("/bookings/").status_code == 200

    def test_a_manager_sees_only_bookings_of_their_spaces(self, staff_client, manager, studio):
        mine = BookingFactory(space=studio["white"])
        other = BookingFactory(space=studio["loft"], start=studio_time(2, 10))
        client = staff_client(manager)
        response = client.get("/bookings/?all=1")
        assert rows(response) == [mine.reference]
        assert other.reference not in response.content.decode()

    def test_a_manager_cannot_filter_by_another_space(self, staff_client, manager, studio):
        BookingFactory(space=studio["loft"])
        client = staff_client(manager)
        response = client.get("/bookings/?space=loft")
        assert rows(response) == []
        assert response.context["form"].errors["space"]


class TestFilters:
    @pytest.fixture
    def scene(self, studio):
        return {
            "a": BookingFactory(space=studio["white"], start=studio_time(1, 10), client_name="Irina Petrova",
                                state=BookingState.CONFIRMED, payment_status=PaymentStatus.PAID,
                                source=BookingSource.WEBSITE, total_price=Decimal("5000")),
            "b": BookingFactory(space=studio["loft"], start=studio_time(3, 12), client_name="Boris Ivanov",
                                state=BookingState.PENDING, total_price=Decimal("9000")),
            "c": BookingFactory(space=studio["white"], start=studio_time(5, 15), client_name="Anna Petrovna",
                                state=BookingState.CANCELLED, source=BookingSource.WALK_IN,
                                total_price=Decimal("1000")),
        }

    @pytest.fixture
    def signed_in(self, staff_client, owner):
        return staff_client(owner)

    def refs(self, client, query, scene):
        names = {booking.reference: key for key, booking in scene.items()}
        return [names[reference] for reference in rows(client.get(f"/bookings/?{query}"))]

    @pytest.mark.parametrize("query, expected", [
        ("space=white", ["c", "a"]),
        ("state=pending", ["b"]),
        ("payment=paid", ["a"]),
        ("source=walk_in", ["c"]),
        ("q=petrov", ["c", "a"]),
        ("all=1&sort=start", ["a", "b", "c"]),
        ("all=1&sort=-total", ["b", "a", "c"]),
        ("all=1&sort=client", ["c", "b", "a"]),
        ("state=bogus", ["c", "b", "a"]),
    ])
    def test_filters_and_sorting(self, signed_in, scene, query, expected):
        assert self.refs(signed_in, query, scene) == expected

    def test_date_range_is_inclusive_studio_days(self, signed_in, scene):
        day = studio_time(3, 0).date().isoformat()
        assert self.refs(signed_in, f"date_from={day}&date_to={day}", scene) == ["b"]
        assert self.refs(signed_in, f"date_from={day}&sort=start", scene) == ["b", "c"]

    @pytest.mark.parametrize("query", [
        "date_to=9999-12-31", "date_from=9999-12-31", "date_from=0001-01-01", "date_to=0001-01-01",
        "date_from=2026-02-30",
    ])
    def test_a_date_out_of_range_is_a_shown_error_not_a_crash(self, signed_in, scene, query):
        response = signed_in.get(f"/bookings/?{query}")
        assert response.status_code == 200
        assert "Some filters were not applied" in response.content.decode()
        assert len(rows(response)) == 3
        assert signed_in.get(f"/bookings/export.csv?{query}").status_code == 200

    def test_from_after_to_is_explained_and_ignored(self, signed_in, scene):
        first, last = studio_time(5, 0).date().isoformat(), studio_time(1, 0).date().isoformat()
        url = f"/bookings/?date_from={first}&date_to={last}"
        swapped = signed_in.get(url, headers={"HX-Request": "true"}).content.decode()
        assert "<html" not in swapped  # the list swapped in place says why it was not narrowed
        assert "Some filters were not applied" in swapped and "must not be after" in swapped
        page = signed_in.get(url)
        assert len(rows(page)) == 3
        assert "match the filters" not in page.content.decode()  # nothing was narrowed

    def test_search_by_reference(self, signed_in, scene):
        assert self.refs(signed_in, f"q={scene['b'].reference[-4:]}", scene) == ["b"]

    @pytest.mark.parametrize("typed", ["+7 916 123-45-67", "89161234567", "8 (916) 123 45 67", "+79161234567"])
    def test_search_by_exact_phone_in_any_format(self, staff_client, owner, space, typed):
        booking = booking_create(by=None, space=space, start=studio_time(2, 10), end=studio_time(2, 12),
                                 client_name="Irina Petrova", client_phone="+7 916 123-45-67")
        BookingFactory(space=space, start=studio_time(4, 10))
        client = staff_client(owner)
        response = client.get("/bookings/", {"q": typed})
        assert rows(response) == [booking.reference]

    def test_part_of_a_phone_finds_nothing(self, staff_client, owner, space):
        booking_create(by=None, space=space, start=studio_time(2, 10), end=studio_time(2, 12),
                       client_name="Irina Petrova", client_phone="+7 916 123-45-67")
        client = staff_client(owner)
        assert rows(client.get("/bookings/", {"q": "123-45"})) == []

    def test_htmx_gets_only_the_results_and_the_url_keeps_the_filters(self, signed_in, scene):
        response = signed_in.get("/bookings/?state=pending", headers={"HX-Request": "true"})
        html = response.content.decode()
        assert "<html" not in html and 'id="results"' in html
        assert scene["b"].reference in html and scene["a"].reference not in html
        full = signed_in.get("/bookings/?state=pending")
        assert "<html" in full.content.decode()
        assert 'value="pending" selected' in full.content.decode()

    def test_pages_keep_the_filters(self, staff_client, owner, space):
        bulk_bookings(space, 30)
        client = staff_client(owner)
        first = client.get("/bookings/?sort=start&space=white")
        second = client.get("/bookings/?sort=start&space=white&page=2")
        assert len(rows(first)) == 25 and len(rows(second)) == 5
        assert not set(rows(first)) & set(rows(second))
        assert "page=2" in first.content.decode() and "sort=start" in first.content.decode()

    def test_empty_state_when_nothing_matches(self, signed_in, scene):
        response = signed_in.get("/bookings/?q=nobody-at-all")
        assert "No bookings match" in response.content.decode()


def test_the_list_runs_the_same_queries_for_10_and_1000_bookings(staff_client, owner, manager, studio):
    bulk_bookings(studio["white"], 10)
    client = staff_client(manager)
    few_manager = queries_for(client, "/bookings/?sort=-total&q=Guest")
    client = staff_client(owner)
    few = queries_for(client, "/bookings/?sort=-total&q=Guest")
    bulk_bookings(studio["white"], 990, prefix="M")
    assert queries_for(client, "/bookings/?sort=-total&q=Guest") == few
    client = staff_client(manager)
    assert queries_for(client, "/bookings/?sort=-total&q=Guest") == few_manager


class TestBatch:
    @pytest.fixture
    def pending(self, space):
        return [BookingFactory(space=space, start=studio_time(2 + i, 10)) for i in range(3)]

    def post(self, client, bookings, action, reason=""):
        return client.post("/bookings/batch/", {
            "action": action, "reason": reason, "selected": [b.pk for b in bookings], "next": "/bookings/?state=pending",
        }, follow=True)

    def test_confirm_several_in_one_go(self, staff_client, admin, pending):
        client = staff_client(admin)
        response = self.post(client, pending, "confirm")
        assert response.redirect_chain[-1][0] == "/bookings/?state=pending"
        assert "3 bookings confirmed" in response.content.decode()
        assert set(Booking.objects.values_list("state", flat=True)) == {BookingState.CONFIRMED}
        assert BookingTransition.objects.filter(to_state=BookingState.CONFIRMED, actor=admin).count() == 3

    def test_one_refusal_changes_nothing_and_lists_each_reason(self, staff_client, admin, space, pending):
        done = BookingFactory(space=space, start=studio_time(-3, 10), state=BookingState.COMPLETED)
        cancelled = BookingFactory(space=space, start=studio_time(9, 10), state=BookingState.CANCELLED)
        client = staff_client(admin)
        response = self.post(client, [*pending, done, cancelled], "confirm")
        html = response.content.decode()
        assert "Nothing was changed" in html
        assert f"{done.reference}: A completed booking cannot become confirmed." in html
        assert f"{cancelled.reference}: A cancelled booking cannot become confirmed." in html
        assert Booking.objects.filter(state=BookingState.CONFIRMED).count() == 0
        assert not BookingTransition.objects.exists()

    def test_a_batch_with_one_refusal_is_refused_as_a_whole(self, staff_client, admin, space):
        first = BookingFactory(space=space, start=studio_time(2, 10))
        second = BookingFactory(space=space, start=studio_time(2, 14), state=BookingState.CANCELLED)
        client = staff_client(admin)
        html = self.post(client, [first, second], "confirm").content.decode()
        assert "Nothing was changed" in html and "cannot become confirmed" in html
        assert Booking.objects.filter(state=BookingState.CONFIRMED).count() == 0

    def test_cancel_needs_a_reason(self, staff_client, admin, pending):
        client = staff_client(admin)
        html = self.post(client, pending, "cancel").content.decode()
        assert "Give a reason" in html
        assert not Booking.objects.filter(state=BookingState.CANCELLED).exists()
        self.post(client, pending, "cancel", reason="Studio flooded")
        assert set(BookingTransition.objects.values_list("reason", flat=True)) == {"Studio flooded"}
        assert Booking.objects.filter(state=BookingState.CANCELLED).count() == 3

    def test_mark_paid(self, staff_client, admin, pending):
        client = staff_client(admin)
        self.post(client, pending[:2], "paid")
        assert sorted(Booking.objects.values_list("payment_status", flat=True)) == ["paid", "paid", "pending"]

    def test_a_manager_cannot_touch_another_spaces_booking_in_a_batch(self, staff_client, manager, studio, pending):
        other = BookingFactory(space=studio["loft"], start=studio_time(2, 10))
        client = staff_client(manager)
        html = self.post(client, [*pending, other], "confirm").content.decode()
        assert "Nothing was changed" in html
        assert Booking.objects.filter(state=BookingState.CONFIRMED).count() == 0

    def test_nothing_selected(self, staff_client, admin, pending):
        client = staff_client(admin)
        assert "Select at least one booking" in self.post(client, [], "confirm").content.decode()

    def test_get_is_not_allowed(self, staff_client, admin):
        client = staff_client(admin)
        assert client.get("/bookings/batch/").status_code == 405


class TestExport:
    def read(self, response):
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text)))

    def test_columns_and_values(self, staff_client, owner, space):
        booking = booking_create(by=None, space=space, start=studio_time(2, 10), end=studio_time(2, 13),
                                 client_name="Irina Petrova", client_phone="8 916 123-45-67",
                                 client_email="irina@example.com", source=BookingSource.WALK_IN)
        client = staff_client(owner)
        header, row = self.read(client.get("/bookings/export.csv"))
        assert header == ["reference", "space", "start", "end", "hours", "state", "client name", "phone", "email",
                          "total", "payment", "source"]
        assert row == [booking.reference, "White Hall", studio_time(2, 10).isoformat(),
                       studio_time(2, 13).isoformat(), "3", "Pending", "Irina Petrova", "+79161234567",
                       "irina@example.com", "7500.00", "Pending", "Walk-in"]

    def test_states_and_payments_are_written_as_staff_read_them(self, staff_client, owner, space):
        BookingFactory(space=space, state=BookingState.NO_SHOW, payment_status=PaymentStatus.DEPOSIT_PAID)
        client = staff_client(owner)
        row = self.read(client.get("/bookings/export.csv"))[1]
        assert (row[5], row[10]) == ("No-show", "Deposit paid")

    def test_the_export_follows_the_filters(self, staff_client, owner, studio):
        keep = BookingFactory(space=studio["loft"], state=BookingState.CONFIRMED)
        BookingFactory(space=studio["loft"], start=studio_time(3, 10))
        BookingFactory(space=studio["white"], state=BookingState.CONFIRMED)
        client = staff_client(owner)
        table = self.read(client.get("/bookings/export.csv?space=loft&state=confirmed"))
        assert [row[0] for row in table[1:]] == [keep.reference]

    def test_a_manager_exports_only_their_spaces(self, staff_client, manager, studio):
        mine = BookingFactory(space=studio["white"])
        BookingFactory(space=studio["loft"])
        client = staff_client(manager)
        table = self.read(client.get("/bookings/export.csv"))
        assert [row[0] for row in table[1:]] == [mine.reference]

    def test_a_name_that_looks_like_a_formula_is_defused(self, staff_client, owner, space):
        guest = ClientFactory(name="=HYPERLINK(1)")
        BookingFactory(space=space, client=guest)
        client = staff_client(owner)
        table = self.read(client.get("/bookings/export.csv"))
        assert table[1][6] == "'=HYPERLINK(1)"

    def test_anonymous_cannot_export(self, client, space):
        BookingFactory(space=space)
        assert client.get("/bookings/export.csv").status_code == 302


def test_the_newest_first_list_runs_the_same_queries_for_few_and_many(staff_client, owner, studio):
    bulk_bookings(studio["white"], 10)
    client = staff_client(owner)
    few = queries_for(client, "/bookings/?all=1")
    bulk_bookings(studio["loft"], 1000, prefix="N")
    assert queries_for(client, "/bookings/?all=1") == few


def test_past_the_count_cap_the_list_says_more_than_and_pages_as_far_as_the_cap(staff_client, owner, space,
                                                                               monkeypatch):
    monkeypatch.setattr(pagination, "LIST_COUNT_CAP", 30)
    bulk_bookings(space, 40)
    client = staff_client(owner)
    first = client.get("/bookings/?all=1")
    html = first.content.decode()
    assert "More than 30</strong> bookings" in html and "Page 1 of 2+" in html
    last = client.get("/bookings/?all=1&page=2")
    assert len(rows(last)) == 5 and not last.context["page"].has_next()
    # A filter that narrows the list below the cap is counted exactly again.
    narrowed = client.get("/bookings/?state=pending").content.decode()
    assert "<strong>8</strong> bookings match" in narrowed and "More than" not in narrowed


class TestOpensOnToday:
    @pytest.fixture
    def days(self, studio):
        return {
            "yesterday": BookingFactory(space=studio["white"], start=studio_time(-1, 12)),
            "late": BookingFactory(space=studio["white"], start=studio_time(0, 20), end=studio_time(0, 21)),
            "early": BookingFactory(space=studio["loft"], start=studio_time(0, 9), end=studio_time(0, 10),
                                    state=BookingState.CONFIRMED),
            "tomorrow": BookingFactory(space=studio["loft"], start=studio_time(1, 10), state=BookingState.CONFIRMED),
        }

    def refs(self, response, days) -> list[str]:
        names = {booking.reference: key for key, booking in days.items()}
        return [names[reference] for reference in rows(response)]

    def test_the_list_opens_on_today_in_the_order_of_the_day(self, staff_client, owner, days):
        response = staff_client(owner).get("/bookings/")
        assert self.refs(response, days) == ["early", "late"]
        html = response.content.decode()
        assert "<strong>2</strong> bookings today" in html
        today = studio_time(0, 0).date().isoformat()
        assert '<a class="day-tab" href="?day=today" aria-current="page">' in html
        assert '<input type="hidden" name="day" value="today">' in html
        assert f"export.csv?date_from={today}&amp;date_to={today}" in html  # the export is what is shown

    def test_all_dates_is_one_click_away(self, staff_client, owner, days):
        client = staff_client(owner)
        html = client.get("/bookings/").content.decode()
        assert 'href="?all=1"' in html and 'href="/bookings/?all=1"' in html  # the tab and "Clear"
        assert len(rows(client.get("/bookings/?all=1"))) == 4

    def test_tomorrow(self, staff_client, owner, days):
        client = staff_client(owner)
        assert 'href="?day=tomorrow"' in client.get("/bookings/").content.decode()
        response = client.get("/bookings/?day=tomorrow")
        assert self.refs(response, days) == ["tomorrow"]
        assert '<a class="day-tab" href="?day=tomorrow" aria-current="page">' in response.content.decode()

    def test_a_search_from_today_looks_through_every_date(self, staff_client, owner, days):
        client = staff_client(owner)
        # What the filter form sends when a reference is typed on today's list.
        response = client.get("/bookings/", {"day": "today", "q": days["tomorrow"].reference, "date_from": "",
                                             "date_to": "", "state": ""})
        assert self.refs(response, days) == ["tomorrow"]
        assert self.refs(client.get("/bookings/", {"day": "today", "q": "", "state": ""}), days) == ["early", "late"]

    def test_dates_chosen_win_over_the_quick_day(self, staff_client, owner, days):
        day = studio_time(-1, 0).date().isoformat()
        response = staff_client(owner).get("/bookings/", {"day": "today", "date_from": day, "date_to": day})
        assert self.refs(response, days) == ["yesterday"]

    @pytest.mark.parametrize("query, expected", [
        ("state=confirmed", ["tomorrow", "early"]),  # the dashboard's links: every date
        ("q=", ["tomorrow", "late", "early", "yesterday"]),  # the filter form sent with nothing in it
        ("space=loft&sort=start", ["early", "tomorrow"]),
    ])
    def test_links_with_explicit_filters_keep_working(self, staff_client, owner, days, query, expected):
        assert self.refs(staff_client(owner).get(f"/bookings/?{query}"), days) == expected

    def test_sorting_and_paging_today_stay_on_today(self, staff_client, owner, days):
        client = staff_client(owner)
        assert self.refs(client.get("/bookings/?sort=-start"), days) == ["late", "early"]
        assert self.refs(client.get("/bookings/?page=1"), days) == ["early", "late"]

    def test_the_day_tabs_keep_the_other_filters(self, staff_client, owner, days):
        html = staff_client(owner).get("/bookings/?state=confirmed&date_from=2030-01-01").content.decode()
        assert 'href="?state=confirmed"' in html  # all dates, still confirmed only

    def test_an_empty_day_offers_every_date(self, staff_client, owner, space):
        BookingFactory(space=space, start=studio_time(3, 10))
        html = staff_client(owner).get("/bookings/").content.decode()
        assert "No bookings for today" in html and "See all dates" in html

    def test_a_manager_opens_on_today_in_their_halls_only(self, staff_client, manager, days):
        assert self.refs(staff_client(manager).get("/bookings/"), days) == ["late"]


class TestBatchAfterRefusal:
    @pytest.fixture
    def scene(self, space):
        pending = [BookingFactory(space=space, start=studio_time(2 + i, 10)) for i in range(3)]
        done = BookingFactory(space=space, start=studio_time(-3, 10), state=BookingState.COMPLETED)
        return pending, done

    def post(self, client, bookings, action, reason=""):
        return client.post("/bookings/batch/", {
            "action": action, "reason": reason, "selected": [b.pk for b in bookings], "next": "/bookings/?all=1",
        }, follow=True)

    def ticked(self, html) -> set[int]:
        return {int(pk) for pk in re.findall(r'name="selected" value="(\d+)" form="batch-form" checked', html)}

    def test_a_refused_batch_comes_back_ticked_with_its_action_and_count(self, staff_client, admin, scene):
        pending, done = scene
        client = staff_client(admin)
        html = self.post(client, [*pending[:2], done], "confirm").content.decode()
        assert "Nothing was changed" in html
        assert self.ticked(html) == {pending[0].pk, pending[1].pk, done.pk}
        assert '<option value="confirm" selected>' in html
        assert "3 bookings selected" in html
        # Untick the one refused, apply again: done.
        html = self.post(client, pending[:2], "confirm").content.decode()
        assert "2 bookings confirmed" in html and self.ticked(html) == set()

    def test_a_cancel_without_a_reason_keeps_the_ticks_and_the_action(self, staff_client, admin, scene):
        pending, _done = scene
        html = self.post(staff_client(admin), pending, "cancel").content.decode()
        assert "Give a reason" in html
        assert self.ticked(html) == {booking.pk for booking in pending}
        assert '<option value="cancel" selected>' in html and "3 bookings selected" in html

    def test_the_reason_typed_is_kept_too(self, staff_client, admin, scene):
        pending, done = scene
        html = self.post(staff_client(admin), [pending[0], done], "cancel", reason="Studio flooded").content.decode()
        assert "Nothing was changed" in html and 'value="Studio flooded"' in html

    def test_the_kept_choice_is_shown_once(self, staff_client, admin, scene):
        pending, done = scene
        client = staff_client(admin)
        self.post(client, [pending[0], done], "paid")
        html = client.get("/bookings/?all=1").content.decode()
        assert self.ticked(html) == set() and "Tick bookings to act on them" in html

    def test_a_manager_s_refused_batch_ticks_only_rows_they_see(self, staff_client, manager, studio, scene):
        pending, _done = scene
        other = BookingFactory(space=studio["loft"], start=studio_time(2, 10))
        html = self.post(staff_client(manager), [pending[0], other], "confirm").content.decode()
        assert self.ticked(html) == {pending[0].pk}
        assert other.reference not in html

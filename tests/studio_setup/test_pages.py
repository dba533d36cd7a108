"""The set-up pages: who may open them, and creating and changing each thing through them."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bookings.hours import OpeningHours, SpecialDay
from bookings.models import Equipment, PromoCode, Space, SpaceRate
from compliance.models import SecurityEvent
from tests.factories import EquipmentFactory, PromoCodeFactory

pytestmark = pytest.mark.django_db

PAGES = ["/setup/", "/setup/halls/", "/setup/halls/new/", "/setup/halls/{space}/",
         "/setup/halls/{space}/rates/{rate}/", "/setup/equipment/", "/setup/equipment/new/",
         "/setup/equipment/{equipment}/", "/setup/promo-codes/", "/setup/promo-codes/new/",
         "/setup/promo-codes/{promo}/", "/setup/hours/", "/setup/hours/special-days/{day}/"]
POSTS = ["/setup/halls/new/", "/setup/halls/{space}/", "/setup/halls/{space}/delete/",
         "/setup/halls/{space}/rates/new/", "/setup/halls/{space}/rates/{rate}/",
         "/setup/halls/{space}/rates/{rate}/delete/", "/setup/equipment/new/", "/setup/equipment/{equipment}/",
         "/setup/equipment/{equipment}/delete/", "/setup/promo-codes/new/", "/setup/promo-codes/{promo}/",
         "/setup/hours/", "/setup/hours/special-days/new/", "/setup/hours/special-days/{day}/",
         "/setup/hours/special-days/{day}/delete/"]


@pytest.fixture
def things(space, week):
    return {
        "space": space.pk,
        "rate": SpaceRate.objects.create(space=space, label="Evening", start_hour=18, end_hour=21,
                                         hourly_rate=Decimal("3000")).pk,
        "equipment": EquipmentFactory(name="Softbox").pk,
        "promo": PromoCodeFactory(code="SPRING").pk,
        "day": SpecialDay.objects.create(date=timezone.localdate().replace(year=timezone.localdate().year + 1),
                                         is_closed=True).pk,
    }


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_every_page_opens_for_owners_and_admins(request, role, things, staff_client):
    browser = staff_client(request.getfixturevalue(role))
    for page in PAGES:
        response = browser.get(page.format(**things))
        assert response.status_code == 200, page


def test_a_manager_is_refused_every_page_and_every_change_and_the_refusal_is_logged(manager, things, staff_client):
    browser = staff_client(manager)
    for page in PAGES:
        assert browser.get(page.format(**things)).status_code == 403, page
    for page in POSTS:
        assert browser.post(page.format(**things), {"name": "Taken"}).status_code == 403, page
    assert SecurityEvent.objects.filter(employee=manager, kind="denied").count() == len(PAGES) + len(POSTS)
    assert Space.objects.filter(name="Taken").count() == 0 and SpaceRate.objects.count() == 1
    assert SpecialDay.objects.count() == 1 and Equipment.objects.count() == 1


def test_a_guest_is_sent_to_sign_in(client, things):
    response = client.get("/setup/halls/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def space_data(**overrides):
    data = {"name": "Loft Two", "slug": "loft-two", "description": "Brick walls and big windows.",
            "hourly_rate": "2 750,50", "colour": "#C2734A", "capacity": "12", "cleanup_minutes": "30",
            "is_active": "on"}
    data.update(overrides)
    return data


def a_photo(name="loft.gif") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04"
                              b"\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
                              content_type="image/gif")


def test_an_admin_adds_a_hall_with_a_photo(admin, staff_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photo = a_photo()
    response = staff_client(admin).post("/setup/halls/new/", {**space_data(hourly_rate="2750.50"), "photo": photo})
    hall = Space.objects.get(slug="loft-two")
    assert response.status_code == 302 and response["Location"] == f"/setup/halls/{hall.pk}/"
    assert hall.hourly_rate == Decimal("2750.50") and hall.colour == "#c2734a" and hall.cleanup_minutes == 30
    assert hall.photo.name.startswith("spaces/") and (tmp_path / hall.photo.name).exists()


def test_a_russian_amount_with_a_decimal_comma_is_read(admin, staff_client):
    from tests.languages import in_russian

    response = staff_client(in_russian(admin)).post("/setup/halls/new/", space_data())
    assert response.status_code == 302
    assert Space.objects.get(slug="loft-two").hourly_rate == Decimal("2750.50")


def test_a_hall_that_is_not_an_image_or_a_taken_name_is_refused_on_the_form(admin, space, staff_client):
    fake = SimpleUploadedFile("loft.jpg", b"not an image", content_type="image/jpeg")
    response = staff_client(admin).post("/setup/halls/new/", {**space_data(name=space.name, hourly_rate="2750"),
                                                              "photo": fake})
    assert response.status_code == 400
    assert "There is already a hall with this name." in response.content.decode()
    assert response.context["form"].errors["photo"]
    assert not Space.objects.filter(slug="loft-two").exists()


def test_an_admin_changes_a_hall_and_removes_its_photo(admin, space, staff_client):
    space.photo = "spaces/old.jpg"
    space.save()
    browser = staff_client(admin)
    response = browser.post(f"/setup/halls/{space.pk}/", space_data(name="White Hall", slug=space.slug,
                                                                    hourly_rate="2600", remove_photo="on"))
    assert response.status_code == 302
    space.refresh_from_db()
    assert space.hourly_rate == Decimal("2600") and space.capacity == 12 and not space.photo


def test_a_replaced_or_removed_photo_leaves_no_file_behind(admin, staff_client, settings, tmp_path,
                                                            django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    browser = staff_client(admin)
    with django_capture_on_commit_callbacks(execute=True):
        browser.post("/setup/halls/new/", {**space_data(), "photo": a_photo("first.gif")})
    hall = Space.objects.get(slug="loft-two")
    first = tmp_path / hall.photo.name
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(f"/setup/halls/{hall.pk}/", {**space_data(), "photo": a_photo("second.gif")})
    hall.refresh_from_db()
    second = tmp_path / hall.photo.name
    assert second.exists() and not first.exists()
    with django_capture_on_commit_callbacks(execute=True):
        refused = browser.post(f"/setup/halls/{hall.pk}/", {**space_data(hourly_rate="-1"), "remove_photo": "on"})
    assert refused.status_code == 400 and second.exists()  # a refused change keeps the photo
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(f"/setup/halls/{hall.pk}/", {**space_data(), "remove_photo": "on"})
    assert not second.exists() and list(tmp_path.rglob("*.gif")) == []
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(f"/setup/halls/{hall.pk}/", {**space_data(), "photo": a_photo("third.gif")})
        hall.refresh_from_db()
        browser.post(f"/setup/halls/{hall.pk}/delete/")
    assert not Space.objects.filter(pk=hall.pk).exists() and list(tmp_path.rglob("*.gif")) == []


def test_a_change_that_leaves_the_photo_alone_keeps_one_another_admin_put_up_meanwhile(
        admin, space, staff_client, settings, tmp_path, django_capture_on_commit_callbacks):
    from studio_setup import services

    settings.MEDIA_ROOT = tmp_path
    read_before = Space.objects.get(pk=space.pk)  # this admin's copy, read before the other's upload
    with django_capture_on_commit_callbacks(execute=True):
        staff_client(admin).post(f"/setup/halls/{space.pk}/",
                                 {**space_data(name="White Hall", slug=space.slug), "photo": a_photo("new.gif")})
    uploaded = Space.objects.get(pk=space.pk).photo.name
    read_before.capacity = 20
    with django_capture_on_commit_callbacks(execute=True):
        services.space_save(space=read_before, by=admin)
    space.refresh_from_db()
    assert space.capacity == 20 and space.photo.name == uploaded and (tmp_path / uploaded).exists()


def test_a_hall_with_no_bookings_can_be_deleted_and_one_with_bookings_cannot(admin, studio, booking_at,
                                                                             staff_client):
    browser = staff_client(admin)
    booking_at(days_ahead=-30, state="completed")
    response = browser.post(f"/setup/halls/{studio['white'].pk}/delete/", follow=True)
    assert "stays for its history" in response.content.decode()
    assert Space.objects.filter(pk=studio["white"].pk).exists()
    browser.post(f"/setup/halls/{studio['loft'].pk}/delete/")
    assert not Space.objects.filter(pk=studio["loft"].pk).exists()


def test_rates_are_added_changed_and_removed_on_the_halls_page(admin, space, staff_client):
    browser = staff_client(admin)
    response = browser.post(f"/setup/halls/{space.pk}/rates/new/", {
        "rate-label": "Weekend", "rate-weekday": "5", "rate-start_hour": "9", "rate-end_hour": "24",
        "rate-hourly_rate": "3500"})
    assert response.status_code == 302
    rate = SpaceRate.objects.get(space=space)
    assert (rate.weekday, rate.start_hour, rate.end_hour, rate.hourly_rate) == (5, 9, 24, Decimal("3500"))
    assert "Weekend" in browser.get(f"/setup/halls/{space.pk}/").content.decode()

    browser.post(f"/setup/halls/{space.pk}/rates/{rate.pk}/", {"label": "Weekend", "weekday": "", "start_hour": "18",
                                                              "end_hour": "22", "hourly_rate": "3200"})
    rate.refresh_from_db()
    assert (rate.weekday, rate.start_hour, rate.end_hour) == (None, 18, 22)

    browser.post(f"/setup/halls/{space.pk}/rates/{rate.pk}/delete/")
    assert not SpaceRate.objects.exists()


def test_overlapping_rates_on_the_same_days_are_refused(admin, space, staff_client):
    SpaceRate.objects.create(space=space, label="Evening", start_hour=18, end_hour=22, hourly_rate=Decimal("3000"))
    response = staff_client(admin).post(f"/setup/halls/{space.pk}/rates/new/", {
        "rate-label": "Late", "rate-weekday": "", "rate-start_hour": "20", "rate-end_hour": "23",
        "rate-hourly_rate": "3300"})
    assert response.status_code == 409
    assert "overlap the rate «Evening» (18:00–22:00)" in response.content.decode()
    assert SpaceRate.objects.count() == 1


def test_another_halls_rate_is_not_found(admin, studio, staff_client):
    rate = SpaceRate.objects.create(space=studio["loft"], label="Evening", start_hour=18, end_hour=22,
                                    hourly_rate=Decimal("3000"))
    assert staff_client(admin).get(f"/setup/halls/{studio['white'].pk}/rates/{rate.pk}/").status_code == 404


def test_equipment_is_added_and_changed(admin, staff_client):
    browser = staff_client(admin)
    response = browser.post("/setup/equipment/new/", {"name": "Fog machine", "price": "1500", "pricing": "flat",
                                                      "stock": "2", "is_active": "on"})
    assert response.status_code == 302
    item = Equipment.objects.get(name="Fog machine")
    assert (item.price, item.pricing, item.stock, item.is_active) == (Decimal("1500"), "flat", 2, True)
    browser.post(f"/setup/equipment/{item.pk}/", {"name": "Fog machine", "price": "400", "pricing": "per_hour",
                                                  "stock": "3"})
    item.refresh_from_db()
    assert (item.price, item.pricing, item.stock, item.is_active) == (Decimal("400"), "per_hour", 3, False)
    browser.post(f"/setup/equipment/{item.pk}/delete/")
    assert not Equipment.objects.filter(pk=item.pk).exists()


def test_promo_codes_are_added_and_changed_with_dates_included(admin, staff_client):
    browser = staff_client(admin)
    response = browser.post("/setup/promo-codes/new/", {
        "code": " summer26 ", "kind": "percent", "value": "15", "first_day": "2027-06-01", "last_day": "2027-08-31",
        "usage_limit": "100", "is_active": "on"})
    assert response.status_code == 302
    promo = PromoCode.objects.get(code="SUMMER26")
    assert timezone.localtime(promo.valid_from).isoformat().startswith("2027-06-01T00:00")
    assert timezone.localtime(promo.valid_until).isoformat().startswith("2027-09-01T00:00")
    page = browser.get("/setup/promo-codes/").content.decode()
    assert "SUMMER26" in page and "31 Aug 2027" in page and "0 of 100" in page

    response = browser.post(f"/setup/promo-codes/{promo.pk}/", {
        "code": "SUMMER26", "kind": "fixed", "value": "500", "first_day": "2027-06-01", "last_day": "",
        "usage_limit": ""})
    promo.refresh_from_db()
    assert (promo.kind, promo.value, promo.valid_until, promo.usage_limit, promo.is_active) == (
        "fixed", Decimal("500"), None, None, False)


def test_a_code_taken_in_another_case_or_a_percent_over_100_is_refused(admin, staff_client):
    PromoCodeFactory(code="SPRING")
    browser = staff_client(admin)
    taken = browser.post("/setup/promo-codes/new/", {"code": "spring", "kind": "fixed", "value": "100"})
    assert taken.status_code == 400 and "There is already a promo code with this code." in taken.content.decode()
    too_much = browser.post("/setup/promo-codes/new/", {"code": "HALF", "kind": "percent", "value": "150"})
    assert too_much.status_code == 400 and "A percent discount is at most 100." in too_much.content.decode()
    assert PromoCode.objects.count() == 1


def test_the_week_is_saved_from_the_hours_page(admin, week, staff_client):
    data = {}
    for day in range(7):
        data.update({f"open_{day}": "on", f"opens_{day}": "10", f"closes_{day}": "22"})
    del data["open_6"]  # closed on Sundays
    data["closes_5"] = "24"
    response = staff_client(admin).post("/setup/hours/", data)
    assert response.status_code == 302
    assert dict(OpeningHours.objects.values_list("weekday", "closes_at")) == {0: 22, 1: 22, 2: 22, 3: 22, 4: 22, 5: 24}


def test_a_week_closed_every_day_or_closing_before_it_opens_is_refused(admin, week, staff_client):
    browser = staff_client(admin)
    closed = {f"opens_{day}": "10" for day in range(7)} | {f"closes_{day}": "20" for day in range(7)}
    response = browser.post("/setup/hours/", closed)
    assert response.status_code == 409 and "at least one weekday" in response.content.decode()
    backwards = closed | {"open_0": "on", "opens_0": "20", "closes_0": "10"}
    response = browser.post("/setup/hours/", backwards)
    assert response.status_code == 400 and "The studio must close after it opens." in response.content.decode()
    assert set(OpeningHours.objects.values_list("opens_at", "closes_at")) == {(9, 21)}


def test_special_days_are_added_changed_and_removed(admin, week, staff_client):
    browser = staff_client(admin)
    day = timezone.localdate().replace(year=timezone.localdate().year + 1, month=12, day=31)
    response = browser.post("/setup/hours/special-days/new/", {"date": day.isoformat(), "day_kind": "hours",
                                                              "opens_at": "10", "closes_at": "16",
                                                              "note": "New Year's Eve"})
    assert response.status_code == 302
    special = SpecialDay.objects.get(date=day)
    assert (special.is_closed, special.opens_at, special.closes_at) == (False, 10, 16)
    assert "New Year&#x27;s Eve" in browser.get("/setup/hours/").content.decode()

    browser.post(f"/setup/hours/special-days/{special.pk}/", {"date": day.isoformat(), "day_kind": "closed",
                                                             "opens_at": "10", "closes_at": "16"})
    special.refresh_from_db()
    assert (special.is_closed, special.opens_at, special.closes_at) == (True, None, None)

    browser.post(f"/setup/hours/special-days/{special.pk}/delete/")
    assert not SpecialDay.objects.exists()


def test_a_special_day_in_the_past_or_without_hours_is_refused(admin, week, staff_client):
    browser = staff_client(admin)
    yesterday = timezone.localdate().toordinal() - 1
    from datetime import date

    past = browser.post("/setup/hours/special-days/new/", {"date": date.fromordinal(yesterday).isoformat(),
                                                          "day_kind": "closed"})
    assert past.status_code == 409 and "That day has passed" in past.content.decode()
    no_hours = browser.post("/setup/hours/special-days/new/", {"date": "2099-01-01", "day_kind": "hours"})
    assert no_hours.status_code == 400 and "Give the hours of the day" in no_hours.content.decode()
    assert not SpecialDay.objects.exists()


def test_the_overview_shows_counts_and_the_week(admin, studio, week, staff_client):
    Space.objects.filter(slug="loft").update(is_active=False)
    OpeningHours.objects.filter(weekday=6).delete()
    page = staff_client(admin).get("/setup/").content.decode()
    assert "2 halls in service" in page and "1 out of service" in page
    assert "09:00–21:00" in page and "Closed" in page


def test_the_list_pages_cost_a_fixed_number_of_queries(admin, studio, staff_client, django_assert_max_num_queries):
    browser = staff_client(admin)
    for n in range(5):
        EquipmentFactory(name=f"Light {n}")
        PromoCodeFactory(code=f"CODE{n}")
    for page in ("/setup/halls/", "/setup/equipment/", "/setup/promo-codes/", "/setup/hours/", "/setup/"):
        browser.get(page)  # the session and the second factor read once
        with django_assert_max_num_queries(12):
            assert browser.get(page).status_code == 200

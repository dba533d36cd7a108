"""A control character in any query parameter of any page is a 400, never a 500."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db

CONTROL_CHARACTERS = ["%00", "%01", "%0A", "%1F", "%7F", "\x00"]
PARAMETERS = ["space", "date", "q", "view", "from", "to", "page", "booking", "phone", "start", "next", "state"]


def every_path(patterns=None, prefix="") -> list[str]:
    """One concrete path for every URL of the project (ids of 1, a made-up reference for strings)."""
    paths = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            paths += every_path(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            route = re.sub(r"<int:\w+>", "1", route)
            route = re.sub(r"<(str:)?\w+>", "REF-20270101-AAAA", route)
            route = re.sub(r"<path:\w+>", "anything", route)
            route = re.sub(r"\(\?P<\w+>[^)]*\)", "tokentokentokentoken", route).replace("\\", "")
            paths.append("/" + route)
    return sorted(set(paths))


PATHS = every_path()


def test_every_url_is_covered():
    assert {"/book/", "/bookings/new/", "/bookings/preview/", "/api/v1/availability", "/kanban/"} <= set(PATHS)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("signed_in", [False, True], ids=["guest", "owner"])
def test_a_control_character_in_a_query_parameter_is_refused(path, signed_in, client, staff_client, owner, space):
    BookingFactory(space=space)
    browser = staff_client(owner) if signed_in else client
    for character in CONTROL_CHARACTERS:
        query = "&".join(f"{name}=white{character}" for name in PARAMETERS)
        response = browser.get(f"{path}?{query}")
        assert response.status_code == 400, (path, character, response.status_code)


@pytest.mark.parametrize("path", ["/bookings/new/", "/bookings/preview/"])
def test_a_nul_in_the_space_of_the_booking_form_is_a_clear_400(path, staff_client, owner, space):
    response = staff_client(owner).get(f"{path}?space=white%00")
    assert response.status_code == 400
    assert "not allowed" in response.content.decode()


def test_an_api_caller_gets_the_json_error_shape(client, space):
    response = client.get("/api/v1/availability?space=white%00&date=2027-01-01")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_query"


def test_ordinary_query_strings_still_work(staff_client, owner, space):
    response = staff_client(owner).get("/bookings/?q=Irina+Petrova&state=pending")
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/bookings/new/", "/calendar/feeds/", "/book/"])
@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_a_nul_in_a_posted_form_field_is_a_400(path, encoding, staff_client, owner, space):
    browser = staff_client(owner)
    if encoding == "multipart":
        response = browser.post(path, {"space": "white\x00", "date": "2027-01-01", "client_name": "Anna"})
    else:
        response = browser.post(path, "space=white%00&date=2027-01-01", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "not allowed" in response.content.decode()


def test_line_breaks_in_posted_notes_are_kept(staff_client, owner, space):
    from tests.factories import BookingFactory as Factory

    booking = Factory(space=space)
    response = staff_client(owner).post(f"/bookings/{booking.pk}/notes/",
                                        f"internal_notes=line+one%0D%0Aline+two&version={booking.version}",
                                        content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 302)
    booking.refresh_from_db()
    assert booking.internal_notes == "line one\r\nline two"

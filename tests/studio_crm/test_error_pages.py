"""A page that fails shows the friendly error page in the back office's layout, not a bare server error."""

import pytest
from django.urls import include, path

from studio_crm.urls import handler404, handler500  # noqa: F401  (this module is the URL conf below)


def broken_page(request):
    raise RuntimeError("a bug in a page")


urlpatterns = [
    path("broken/", broken_page),
    path("", include("studio_crm.urls")),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def test_a_failing_page_shows_the_friendly_500_in_the_staff_layout(staff_client, owner):
    client = staff_client(owner)
    client.raise_request_exception = False
    response = client.get("/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html and "Please try again in a moment" in html
    assert 'aria-label="Main navigation"' in html and "Olga Owner" in html
    assert 'href="/dashboard/"' in html
    assert "RuntimeError" not in html and "a bug in a page" not in html


def test_a_guest_sees_the_500_in_the_public_layout(client):
    client.raise_request_exception = False
    response = client.get("/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html and 'href="/book/"' in html
    assert 'aria-label="Main navigation"' not in html

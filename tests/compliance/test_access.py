"""Everything under /compliance/ is for owners: admins and managers get 403 and the refusal is recorded."""

import pytest

from compliance.models import DataRequest, PolicyVersion, SecurityEvent, SecurityKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(db):
    request = DataRequest.objects.create(kind="export", phone_index="a" * 64)
    policy = PolicyVersion.objects.get()
    keys = {"phone_index": "a" * 64, "email_hash": ""}
    return [
        ("get", "/compliance/", {}), ("post", "/compliance/retention/dry-run/", {}),
        ("post", "/compliance/person/", {"phone": "+7 916 555-01-37"}), ("post", "/compliance/person/export/", keys),
        ("post", "/compliance/person/erase/", {**keys, "confirm": "on"}), ("get", "/compliance/requests/", {}),
        ("get", f"/compliance/requests/{request.pk}/", {}), ("post", f"/compliance/requests/{request.pk}/export/", {}),
        ("post", f"/compliance/requests/{request.pk}/erase/", {"confirm": "on"}),
        ("post", f"/compliance/requests/{request.pk}/refuse/", {"reason": "x"}), ("get", "/compliance/consent/", {}),
        ("post", "/compliance/consent/", {"version": "2027-01", "text": "New"}),
        ("get", f"/compliance/consent/{policy.pk}/", {}), ("get", "/compliance/audit/", {}),
        ("get", "/compliance/audit/export.csv", {}), ("get", "/compliance/processing/", {}),
    ]


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_other_roles_are_refused_every_compliance_url_and_it_is_recorded(role, request, pages, staff_client):
    employee = request.getfixturevalue(role)
    browser = staff_client(employee)
    for method, url, data in pages:
        response = getattr(browser, method)(url, data)
        assert response.status_code == 403, url
    denied = SecurityEvent.objects.filter(kind=SecurityKind.DENIED, employee=employee)
    assert denied.count() == len(pages)
    assert DataRequest.objects.get().status == "open" and PolicyVersion.objects.count() == 1


def test_a_guest_is_sent_to_sign_in(client, pages):
    for method, url, data in pages:
        response = getattr(client, method)(url, data)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_owners_reach_every_page(owner, staff_client, pages):
    browser = staff_client(owner)
    for method, url, _data in pages:
        if method == "get":
            assert browser.get(url).status_code == 200, url


def test_only_owners_see_compliance_in_the_navigation(owner, admin, staff_client):
    assert 'href="/compliance/"' in staff_client(owner).get("/dashboard/").content.decode()
    assert 'href="/compliance/"' not in staff_client(admin).get("/dashboard/").content.decode()

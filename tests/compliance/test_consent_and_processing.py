"""The consent register (policy versions as rows) and the record of processing."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from bookings.models import Booking
from compliance.models import PolicyVersion
from compliance.services import policy_publish

pytestmark = pytest.mark.django_db


seeding = importlib.import_module("compliance.migrations.0002_current_privacy_policy")


def test_the_current_version_exists_as_a_row_with_the_text_the_privacy_page_showed(client, settings):
    policy = PolicyVersion.objects.get()
    assert policy.version == settings.CONSENT_POLICY_VERSION and policy.text in seeding.TEXTS.values()
    page = client.get("/book/privacy/").content.decode()
    assert f"Policy version {policy.version}" in page and f"<h2>{policy.blocks()[0][1]}</h2>" in page


@pytest.mark.parametrize(("language", "heading"), [("ru", "Какие данные мы собираем"), ("en", "What we collect")])
def test_the_policy_a_new_studio_starts_with_is_in_the_studios_language(settings, language, heading):
    PolicyVersion.objects.all().delete()
    settings.STUDIO_LANGUAGE = language
    seeding.record_current_policy(apps, None)
    assert PolicyVersion.objects.get().blocks()[0] == ("h2", heading)


def test_a_new_version_is_what_guests_see_and_consent_to_and_the_old_stays_readable(
        client, owner, staff_client, guest_booking, space):
    old = guest_booking()
    response = staff_client(owner).post("/compliance/consent/", {
        "version": "2027-01", "text": "## What we collect\n\nYour name and <b>phone</b>."})
    assert response.status_code == 302

    page = client.get("/book/privacy/").content.decode()
    assert "Policy version 2027-01" in page and "&lt;b&gt;phone&lt;/b&gt;" in page
    earlier = client.get(f"/book/privacy/{old.consent_policy_version}/").content.decode()
    seeded = PolicyVersion.objects.get(version=old.consent_policy_version)
    assert "earlier version" in earlier and seeded.blocks()[-1][1] in earlier
    start = timezone.localtime().replace(hour=15, minute=0, second=0, microsecond=0) + timedelta(days=8)
    booked = client.post("/book/", {"space": space.slug, "date": start.date().isoformat(), "start": "15:00",
                                    "hours": "1", "client_name": "Nina", "client_phone": "+7 916 000-11-22",
                                    "client_email": "", "special_requirements": "", "promo_code": "",
                                    "consent": "on", "website": ""})
    assert booked.status_code == 302
    assert Booking.objects.get(client_name="Nina").consent_policy_version == "2027-01"

    register = staff_client(owner).get("/compliance/consent/").content.decode()
    assert "2027-01" in register and old.reference in register  # to come, consented under an older version


def test_a_version_to_start_later_is_not_in_force_yet(client, owner):
    policy_publish(version="2027-06", text="Later.", published_at=timezone.now() + timedelta(days=30), by=owner)
    assert "Policy version 2027-06" not in client.get("/book/privacy/").content.decode()
    assert client.get("/book/privacy/2027-06/").status_code == 404


def test_only_owners_publish_and_a_version_is_never_rewritten(owner, admin):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(PermissionDenied):
        policy_publish(version="x", text="y", by=admin)
    with pytest.raises(ValidationError):
        policy_publish(version=PolicyVersion.objects.get().version, text="Rewritten", by=owner)


def test_the_record_of_processing_is_read_from_the_models_and_settings(owner, staff_client, settings):
    settings.RETENTION_DAYS = 1000
    page = staff_client(owner).get("/compliance/processing/").content.decode()
    assert "1000 days" in page
    # Encrypted fields are found by their class, and marked.
    assert '<code>client_phone</code> <span class="tag-encrypted">encrypted</span>' in page
    assert '<code>recipient</code> <span class="tag-encrypted">encrypted</span>' in page
    assert "client_name" in page and "managers (their halls)" in page

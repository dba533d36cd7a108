"""The employee's own account: profile and password (re-authentication required)."""

from employees.models import Employee, StaffSession

from .conftest import PASSWORD, sign_in_fully

NEW_PASSWORD = "a-much-better-passphrase"


def test_account_page_shows_profile_password_and_links(staff_client, manager):
    client = staff_client(manager)
    response = client.get("/account/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Full name", "Email", "Phone", "Department", "Current password", "Two-step sign-in", "Sessions"):
        assert text in html


def test_profile_is_saved(staff_client, manager):
    client = staff_client(manager)
    response = client.post("/account/", {
        "full_name": "Maria M. Manager", "email": "maria@studio.test", "phone": "+7 916 000 00 00", "department": "Front desk",
    })
    assert response.status_code == 302
    manager.refresh_from_db()
    assert (manager.full_name, manager.email, manager.department) == ("Maria M. Manager", "maria@studio.test", "Front desk")


def test_profile_refuses_an_email_in_use(staff_client, manager, admin):
    client = staff_client(manager)
    response = client.post("/account/", {"full_name": "Maria", "email": "ADMIN@studio.test", "phone": "", "department": ""})
    assert response.status_code == 400
    assert "Another employee already uses this email." in response.content.decode()
    manager.refresh_from_db()
    assert manager.email == "manager@studio.test"


def test_password_change_needs_the_current_password(staff_client, manager):
    client = staff_client(manager)
    response = client.post("/account/password/", {
        "old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    })
    assert response.status_code == 400
    assert "Your old password was entered incorrectly" in response.content.decode()
    assert Employee.objects.get(pk=manager.pk).check_password(PASSWORD)


def test_password_change_keeps_this_session_and_ends_the_others(client, manager):
    other = client.__class__()
    sign_in_fully(other, "manager", ip="10.0.0.9")
    assert other.get("/account/").status_code == 200
    sign_in_fully(client, "manager")
    client.get("/account/")

    response = client.post("/account/password/", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    })
    assert response.status_code == 302
    assert Employee.objects.get(pk=manager.pk).check_password(NEW_PASSWORD)
    page = client.get("/account/")
    assert page.status_code == 200
    assert "signed out on 1 other device" in page.content.decode()
    assert other.get("/account/").status_code == 302
    assert StaffSession.objects.filter(employee=manager).count() == 1


def test_weak_new_password_is_refused(staff_client, manager):
    client = staff_client(manager)
    response = client.post("/account/password/", {
        "old_password": PASSWORD, "new_password1": "12345", "new_password2": "12345",
    })
    assert response.status_code == 400
    assert Employee.objects.get(pk=manager.pk).check_password(PASSWORD)


def test_account_pages_need_sign_in(client, db):
    for path in ("/account/", "/account/mfa/", "/account/sessions/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")

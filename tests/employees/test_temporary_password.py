"""A temporary password from an owner or admin is replaced by the employee's own at first sign-in."""

from django.test import Client

from employees.models import Employee

from .conftest import sign_in, sign_in_fully

NEW_PASSWORD = "a-password-only-i-know"
ELSEWHERE = ["/dashboard/", "/bookings/", "/kanban/", "/account/", "/account/sessions/", "/account/mfa/"]


def temporary_password_for(staff_client, admin, employee) -> str:
    return staff_client(admin).post(f"/employees/{employee.pk}/password/").context["temporary_password"]


def change_password(client, old, new):
    return client.post("/account/password/", {"old_password": old, "new_password1": new, "new_password2": new})


def test_the_temporary_password_must_be_replaced_before_anything_else(staff_client, admin, manager):
    staff_client(manager)  # the manager has an authenticator: the code comes first
    password = temporary_password_for(staff_client, admin, manager)
    browser = Client()
    assert sign_in_fully(browser, "manager", password=password)["Location"] == "/dashboard/"

    for path in ELSEWHERE:
        response = browser.get(path)
        assert (response.status_code, response["Location"]) == (302, "/account/password/"), path
    assert browser.get("/bookings/", HTTP_HX_REQUEST="true")["HX-Redirect"] == "/account/password/"
    refused = browser.post("/account/", {"full_name": "Changed", "email": "manager@studio.test", "phone": "", "department": ""})
    assert refused["Location"] == "/account/password/"
    page = browser.get("/account/password/")
    assert page.status_code == 200 and "Choose your password" in page.content.decode()

    same = change_password(browser, password, password)
    assert same.status_code == 400
    assert "Choose a new password, not the one you have now." in same.content.decode()
    assert change_password(browser, password, NEW_PASSWORD).status_code == 302
    manager.refresh_from_db()
    assert manager.check_password(NEW_PASSWORD) and not manager.must_change_password
    assert manager.full_name == "Maria Manager"
    assert browser.get("/dashboard/").status_code == 200


def test_an_employee_holding_a_temporary_password_can_sign_out(staff_client, admin, manager):
    staff_client(manager)
    password = temporary_password_for(staff_client, admin, manager)
    browser = Client()
    sign_in_fully(browser, "manager", password=password)
    assert browser.post("/logout/")["Location"] == "/login/"
    assert browser.get("/account/password/")["Location"].startswith("/login/")


def test_a_new_employee_chooses_a_password_then_sets_up_two_step(staff_client, admin, studio):
    created = staff_client(admin).post("/employees/new/", {
        "username": "nina", "full_name": "Nina New", "email": "nina@studio.test", "role": "manager",
        "phone": "", "department": "", "spaces": [studio["loft"].pk],
    })
    password = created.context["temporary_password"]
    browser = Client()
    sign_in(browser, "nina", password=password)
    assert browser.get("/account/mfa/")["Location"] == "/account/password/"

    assert change_password(browser, password, NEW_PASSWORD)["Location"] == "/account/"
    assert browser.get("/account/")["Location"] == "/account/mfa/"
    assert "Set up two-step sign-in to continue" in browser.get("/account/mfa/").content.decode()
    assert not Employee.objects.get(username="nina").must_change_password

"""/employees/: who may see and change whom, creating employees, roles and spaces."""

import threading
import time

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from bookings.access import assign_spaces, visible_spaces
from employees.models import Employee, EmployeeStatus, Role, StaffSession
from employees.services import EmployeeActionRefused, employee_deactivate, employee_update
from tests.factories import EmployeeFactory

from .conftest import sign_in

ACTIONS = ["deactivate", "reactivate", "reset-mfa", "unlock", "password"]


def edit_data(employee, **changes):
    data = {"full_name": employee.full_name, "email": employee.email, "role": employee.role, "phone": "", "department": ""}
    data.update(changes)
    return data


# --- Who may use the pages --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/employees/", "/employees/new/", "/employees/{pk}/"])
def test_anonymous_is_sent_to_sign_in(client, manager, path):
    response = client.get(path.format(pk=manager.pk))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("path", ["/employees/", "/employees/new/", "/employees/{pk}/"])
def test_managers_are_refused(staff_client, manager, admin, path):
    client = staff_client(manager)
    assert client.get(path.format(pk=admin.pk)).status_code == 403


@pytest.mark.parametrize("action", ACTIONS)
def test_managers_cannot_act(staff_client, manager, admin, action):
    client = staff_client(manager)
    assert client.post(f"/employees/{admin.pk}/{action}/").status_code == 403
    assert client.post(f"/employees/{admin.pk}/", edit_data(admin, full_name="Hacked")).status_code == 403
    admin.refresh_from_db()
    assert admin.full_name == "Anton Admin" and admin.status == EmployeeStatus.ACTIVE


@pytest.mark.parametrize("who", ["admin", "owner"])
def test_admins_and_owners_see_the_list_and_pages(staff_client, request, who, owner, admin, manager):
    client = staff_client(request.getfixturevalue(who))
    assert client.get("/employees/").status_code == 200
    assert client.get("/employees/new/").status_code == 200
    for employee in (owner, admin, manager):
        assert client.get(f"/employees/{employee.pk}/").status_code == 200


def test_admin_sees_an_owner_without_edit_controls(staff_client, admin, owner):
    client = staff_client(admin)
    response = client.get(f"/employees/{owner.pk}/")
    html = response.content.decode()
    assert "Only an owner can change an owner" in html
    assert response.context["form"] is None
    for action in ACTIONS:
        assert f"/employees/{owner.pk}/{action}/" not in html


@pytest.mark.parametrize("action", ACTIONS)
def test_admin_cannot_act_on_an_owner(staff_client, admin, owner, action, caplog):
    client = staff_client(admin)
    assert client.post(f"/employees/{owner.pk}/{action}/").status_code == 403
    owner.refresh_from_db()
    assert owner.status == EmployeeStatus.ACTIVE and owner.check_password("correct-horse-battery")
    assert f"denied employee=admin path=/employees/{owner.pk}/{action}/" in caplog.text


def test_admin_cannot_edit_an_owner(staff_client, admin, owner):
    client = staff_client(admin)
    response = client.post(f"/employees/{owner.pk}/", edit_data(owner, role=Role.MANAGER, full_name="Demoted"))
    assert response.status_code == 403
    owner.refresh_from_db()
    assert owner.role == Role.OWNER and owner.full_name == "Olga Owner"


def test_admin_cannot_make_anyone_an_owner(staff_client, admin, studio):
    manager = EmployeeFactory(username="m2", role=Role.MANAGER)
    client = staff_client(admin)
    assert "owner" not in [value for value, _ in client.get("/employees/new/").context["form"].fields["role"].choices]
    response = client.post(f"/employees/{manager.pk}/", edit_data(manager, role=Role.OWNER))
    assert response.status_code == 400
    manager.refresh_from_db()
    assert manager.role == Role.MANAGER
    response = client.post("/employees/new/", {"username": "boss", "full_name": "B", "email": "b@studio.test", "role": "owner"})
    assert response.status_code == 400
    assert not Employee.objects.filter(username="boss").exists()


def test_admin_manages_a_manager(staff_client, admin, manager, studio):
    client = staff_client(admin)
    response = client.post(f"/employees/{manager.pk}/", {
        **edit_data(manager, department="Rentals"), "spaces": [studio["loft"].pk, studio["cyclorama"].pk],
    })
    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.department == "Rentals"
    assert set(visible_spaces(manager)) == {studio["loft"], studio["cyclorama"]}


def test_manager_needs_a_space(staff_client, admin, manager):
    client = staff_client(admin)
    response = client.post(f"/employees/{manager.pk}/", edit_data(manager))
    assert response.status_code == 400
    assert "Choose at least one space for a manager." in response.content.decode()


def test_owner_promotes_and_demotes(staff_client, owner, admin, studio):
    client = staff_client(owner)
    assert client.post(f"/employees/{admin.pk}/", edit_data(admin, role=Role.OWNER)).status_code == 302
    admin.refresh_from_db()
    assert admin.role == Role.OWNER and admin.is_superuser
    response = client.post(f"/employees/{admin.pk}/", {**edit_data(admin, role=Role.MANAGER), "spaces": [studio["white"].pk]})
    assert response.status_code == 302
    admin.refresh_from_db()
    assert admin.role == Role.MANAGER and not admin.is_staff
    assert list(visible_spaces(admin)) == [studio["white"]]


def test_the_last_owner_stays(staff_client, owner):
    client = staff_client(owner)
    response = client.post(f"/employees/{owner.pk}/", edit_data(owner, role=Role.ADMIN))
    assert response.status_code == 409
    assert "You cannot change your own role." in response.content.decode()
    client.post(f"/employees/{owner.pk}/deactivate/")
    owner.refresh_from_db()
    assert owner.role == Role.OWNER and owner.status == EmployeeStatus.ACTIVE


def test_only_owners_deactivate_owners(staff_client, owner, admin):
    second = EmployeeFactory(username="owner2", role=Role.OWNER)
    client = staff_client(admin)
    assert client.post(f"/employees/{second.pk}/deactivate/").status_code == 403
    client = staff_client(owner)
    assert client.post(f"/employees/{second.pk}/deactivate/").status_code == 302
    second.refresh_from_db()
    assert second.status == EmployeeStatus.DEACTIVATED and not second.is_active


# --- Creating ---------------------------------------------------------------------------------------


def test_create_a_manager_who_signs_in_with_the_temporary_password(staff_client, admin, studio):
    client = staff_client(admin)
    response = client.post("/employees/new/", {
        "username": "nina", "full_name": "Nina New", "email": "nina@studio.test", "role": "manager",
        "phone": "", "department": "Front desk", "spaces": [studio["loft"].pk],
    })
    assert response.status_code == 200
    nina = Employee.objects.get(username="nina")
    assert nina.status == EmployeeStatus.INVITED and nina.must_change_password
    password = response.context["temporary_password"]
    assert password and password in response.content.decode()
    assert_shown_once(client, password, response, f"/employees/{nina.pk}/")

    assert sign_in(client.__class__(), "nina", password=password).status_code == 302
    assert list(visible_spaces(nina)) == [studio["loft"]]


def assert_shown_once(client, password, response, page):
    """The temporary password is in the answer that set it only: the browser may not store that answer,
    the session store never holds the password, and the employee's page does not show it again."""
    assert "no-store" in response["Cache-Control"]
    assert password not in repr(dict(client.session.items()))
    assert password not in client.get(page).content.decode()


def test_owner_creates_an_admin_who_joins_the_admins_group(staff_client, owner):
    client = staff_client(owner)
    client.post("/employees/new/", {"username": "ada", "full_name": "Ada", "email": "ada@studio.test", "role": "admin"})
    ada = Employee.objects.get(username="ada")
    assert ada.is_staff and not ada.is_superuser
    assert ada.groups.filter(name="Admins").exists()


def test_duplicate_username_or_email_is_a_form_error(staff_client, admin, manager):
    client = staff_client(admin)
    response = client.post("/employees/new/", {"username": "manager", "full_name": "X", "email": "MANAGER@studio.test", "role": "admin"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "username" in errors and "email" in errors


def test_temporary_password_reset_is_shown_once_and_signs_out(staff_client, admin, manager):
    other = staff_client(manager)
    client = staff_client(admin)
    response = client.post(f"/employees/{manager.pk}/password/")
    password = response.context["temporary_password"]
    assert password and password in response.content.decode()
    assert_shown_once(client, password, response, f"/employees/{manager.pk}/")
    manager.refresh_from_db()
    assert manager.must_change_password
    assert other.get("/account/").status_code == 302
    assert sign_in(client.__class__(), "manager", password=password).status_code == 302


def test_cannot_deactivate_yourself(staff_client, admin):
    client = staff_client(admin)
    response = client.post(f"/employees/{admin.pk}/deactivate/", follow=True)
    assert "You cannot deactivate your own account." in response.content.decode()
    admin.refresh_from_db()
    assert admin.status == EmployeeStatus.ACTIVE


# --- The list ---------------------------------------------------------------------------------------


def test_list_shows_role_status_spaces_two_step_and_activity(staff_client, owner, manager, authenticator):
    client = staff_client(owner)
    html = client.get("/employees/").content.decode()
    assert "Maria Manager" in html and "White Hall" in html and "All spaces" in html
    assert "On" in html  # the owner's authenticator
    row = client.get("/employees/?q=maria").context["rows"]
    assert [r["employee"].username for r in row] == ["manager"]
    assert row[0]["employee"].mfa_on is False and row[0]["spaces"] == ["White Hall"]


def test_search_by_role_and_status_and_htmx_rows(staff_client, owner, admin, manager):
    client = staff_client(owner)
    rows = client.get("/employees/?role=admin").context["rows"]
    assert [r["employee"].username for r in rows] == ["admin"]
    partial = client.get("/employees/?q=anton", HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith('<div id="rows">')
    assert "Anton Admin" in partial.content.decode()


def test_list_runs_the_same_queries_for_few_and_many(staff_client, owner, studio, django_assert_num_queries):
    client = staff_client(owner)
    client.get("/employees/")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/employees/").status_code == 200
        return len(queries)

    few = count()
    for n in range(20):
        employee = EmployeeFactory(username=f"staff{n}", role=Role.MANAGER if n % 2 else Role.ADMIN)
        TOTPDevice.objects.create(user=employee, confirmed=True)
        assign_spaces(employee, [studio["white"], studio["loft"]])
    with django_assert_num_queries(few):
        assert len(client.get("/employees/").context["rows"]) == 21


def test_admins_group_gives_view_only_permissions(db, admin, owner):
    group = Group.objects.get(name="Admins")
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"view_booking", "view_space", "view_employee"} <= codenames
    assert all(code.startswith("view_") for code in codenames)
    assert admin.groups.filter(pk=group.pk).exists()
    assert not owner.groups.filter(pk=group.pk).exists()
    fresh = Employee.objects.get(pk=admin.pk)
    assert fresh.has_perm("bookings.view_booking") and not fresh.has_perm("bookings.change_booking")
    admin.role = Role.MANAGER
    admin.save()
    assert not admin.groups.filter(pk=group.pk).exists()


def test_admin_reads_the_django_admin_but_cannot_change(staff_client, admin):
    client = staff_client(admin)
    assert client.get("/admin/bookings/booking/").status_code == 200
    assert client.get("/admin/employees/employee/").status_code == 200
    assert client.get("/admin/bookings/booking/add/").status_code == 403


def test_not_found_page_for_staff_uses_the_back_office_layout(staff_client, admin):
    client = staff_client(admin)
    response = client.get("/employees/999999/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and 'class="sidebar"' in html and "Go to the dashboard" in html


def test_forbidden_page_for_staff_explains(staff_client, manager):
    client = staff_client(manager)
    response = client.get("/employees/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Not allowed" in html and "ask an owner or admin" in html and 'class="sidebar"' in html


def test_the_django_admin_signs_in_through_the_staff_sign_in(client, staff_client, manager):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/login/?next=/admin/"
    assert staff_client(manager).get("/admin/", follow=True).status_code == 403


# --- Resetting sign-in, the last owner, the Django admin ---------------------------------------------


def test_only_owners_reset_an_admins_password_or_two_step(staff_client, owner, admin, authenticator):
    other_admin = EmployeeFactory(username="admin2", role=Role.ADMIN)
    authenticator(other_admin)
    hash_before = other_admin.password
    client = staff_client(admin)
    page = client.get(f"/employees/{other_admin.pk}/").content.decode()
    assert "Reset password" not in page and "Only an owner can reset" in page
    assert client.post(f"/employees/{other_admin.pk}/password/").status_code == 403
    assert client.post(f"/employees/{other_admin.pk}/reset-mfa/").status_code == 403
    other_admin.refresh_from_db()
    assert other_admin.password == hash_before
    assert TOTPDevice.objects.filter(user=other_admin).exists()

    client = staff_client(owner)
    assert "Reset password" in client.get(f"/employees/{other_admin.pk}/").content.decode()
    assert client.post(f"/employees/{other_admin.pk}/reset-mfa/").status_code == 302
    assert not TOTPDevice.objects.filter(user=other_admin).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_owners_removing_each_other_at_once_leave_one_owner():
    first = EmployeeFactory(username="owner-a", role=Role.OWNER)
    second = EmployeeFactory(username="owner-b", role=Role.OWNER)
    barrier = threading.Barrier(2)
    refusals = []

    def first_deactivates_second():
        try:
            with transaction.atomic():
                employee_deactivate(employee=Employee.objects.get(pk=second.pk), by=first)
                barrier.wait()
                time.sleep(0.5)  # the other owner acts while this change is not yet committed
        finally:
            connection.close()

    def second_demotes_first():
        try:
            barrier.wait()
            employee_update(employee=Employee.objects.get(pk=first.pk), by=second, role=Role.ADMIN)
        except EmployeeActionRefused as refusal:
            refusals.append(str(refusal))
        finally:
            connection.close()

    threads = [threading.Thread(target=first_deactivates_second), threading.Thread(target=second_demotes_first)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    active_owners = Employee.objects.filter(role=Role.OWNER, status=EmployeeStatus.ACTIVE)
    assert list(active_owners.values_list("username", flat=True)) == ["owner-a"]
    assert refusals == ["The studio must keep at least one active owner."]


def admin_change_data(employee, **changes):
    data = {
        "username": employee.username, "full_name": employee.full_name, "email": employee.email, "phone": "",
        "department": "", "role": employee.role, "status": employee.status,
    }
    data.update(changes)
    return data


def test_the_django_admin_keeps_the_owners_rules(staff_client, owner):
    client = staff_client(owner)
    url = f"/admin/employees/employee/{owner.pk}/change/"
    response = client.post(url, admin_change_data(owner, role=Role.ADMIN, full_name="Renamed"), follow=True)
    assert "You cannot change your own role." in response.content.decode()
    assert "was changed successfully" not in response.content.decode()
    owner.refresh_from_db()
    assert owner.role == Role.OWNER and owner.full_name == "Olga Owner"


def test_deactivating_in_the_django_admin_signs_the_employee_out(staff_client, owner, manager):
    phone = staff_client(manager)
    client = staff_client(owner)
    url = f"/admin/employees/employee/{manager.pk}/change/"
    response = client.post(url, admin_change_data(manager, status=EmployeeStatus.DEACTIVATED))
    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.status == EmployeeStatus.DEACTIVATED and not manager.is_active
    assert not StaffSession.objects.filter(employee=manager).exists()
    assert phone.get("/account/").status_code == 302

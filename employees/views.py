"""The employee pages of owners and admins: the list, one employee, a new employee, and the actions on them."""

import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bookings.access import assigned_space_names, assigned_spaces
from bookings.errors import add_service_error
from studio_crm.htmx import page_or_partial

from . import mfa
from .access import admin_required, can_manage_employee, can_reset_sign_in, get_employee_for
from .forms import EmployeeForm, EmployeeSearchForm
from .lockouts import locked_subquery, lockouts_of, too_many_failures
from .models import Employee, EmployeeStatus, Role, StaffSession
from .services import (
    EmployeeActionRefused,
    employee_create,
    employee_deactivate,
    employee_reactivate,
    employee_reset_mfa,
    employee_set_temporary_password,
    employee_unlock,
    employee_update,
)


@admin_required
@require_GET
def employee_list(request):
    search = EmployeeSearchForm(request.GET or None)
    employees = search.filter(
        Employee.objects.annotate(mfa_on=mfa.authenticator_subquery(), locked=locked_subquery())
        .order_by("full_name", "username")
    )
    page = Paginator(employees, 25).get_page(request.GET.get("page"))
    spaces = assigned_space_names(page.object_list)
    rows = [{"employee": e, "spaces": spaces.get(e.pk, []), "manageable": can_manage_employee(request.user, e)}
            for e in page.object_list]
    params = request.GET.copy()
    params.pop("page", None)
    context = {"search": search, "page": page, "rows": rows, "query": params.urlencode()}
    return render(request, page_or_partial(request, "employees/list.html", "rows"), context)


@admin_required
@require_http_methods(["GET", "POST"])
def employee_new(request):
    form = EmployeeForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            employee, password = employee_create(
                username=data["username"], full_name=data["full_name"], email=data["email"], role=data["role"],
                spaces=data["spaces"], phone=data["phone"], department=data["department"],
                language=data["language"], by=request.user,
            )
        except EmployeeActionRefused as refusal:
            raise PermissionDenied(str(refusal)) from refusal
        messages.success(request, _("%(employee)s can now sign in with the temporary password below.")
                         % {"employee": employee})
        return _employee_page(request, employee, temporary_password=password)
    return render(request, "employees/new.html", {"form": form}, status=400 if form.errors else 200)


def _employee_page(request, employee, *, form=None, temporary_password: str | None = None, status=200):
    """The employee's page. A temporary password is shown in the answer to the request that set it and
    nowhere else: it is not kept in the session, and the browser is told not to store the page."""
    manageable = can_manage_employee(request.user, employee)
    if form is None and manageable:
        form = EmployeeForm(instance=employee, actor=request.user, initial={"spaces": assigned_spaces(employee)})
    context = {
        "employee": employee,
        "form": form,
        "manageable": manageable,
        "may_reset_sign_in": can_reset_sign_in(request.user, employee),
        "is_self": employee.pk == request.user.pk,
        "spaces": assigned_space_names([employee]).get(employee.pk, []),
        "authenticator": mfa.confirmed_authenticator(employee),
        "backup_codes_left": mfa.backup_codes_left(employee),
        "lockouts": list(lockouts_of(employee)),
        "too_many_failures": too_many_failures(employee.username),
        "session_count": StaffSession.objects.filter(employee=employee).count(),
        "temporary_password": temporary_password,
        "deactivated": employee.status == EmployeeStatus.DEACTIVATED,
        "Role": Role,
    }
    response = render(request, "employees/detail.html", context, status=status)
    if temporary_password:
        add_never_cache_headers(response)
    return response


@admin_required
@require_http_methods(["GET", "POST"])
def employee_detail(request, pk):
    employee = get_employee_for(request, pk, write=request.method == "POST")
    if request.method == "GET":
        return _employee_page(request, employee)
    # A copy: a refused form must not change the name shown in the page header.
    form = EmployeeForm(request.POST, instance=copy.copy(employee), actor=request.user)
    if not form.is_valid():
        return _employee_page(request, employee, form=form, status=400)
    data = form.cleaned_data
    try:
        employee_update(
            employee=employee, by=request.user, role=data["role"], spaces=data["spaces"],
            full_name=data["full_name"], email=data["email"], phone=data["phone"], department=data["department"],
            language=data["language"],
        )
    except EmployeeActionRefused as refusal:
        add_service_error(form, refusal)
        return _employee_page(request, employee, form=form, status=409)
    messages.success(request, _("%(employee)s is saved.") % {"employee": employee})
    return redirect("employee_detail", pk=employee.pk)


def _employee_action(request, pk, action, done, rule=can_manage_employee):
    """``done``: the message on success, with ``%(employee)s`` (a lazy translation, read in this request)."""
    employee = get_employee_for(request, pk, write=True, rule=rule)
    try:
        action(employee=employee, by=request.user)
    except EmployeeActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, str(done) % {"employee": employee})
    return redirect("employee_detail", pk=employee.pk)


@admin_required
@require_POST
def employee_deactivate_view(request, pk):
    return _employee_action(request, pk, employee_deactivate,
                            gettext_lazy("%(employee)s is deactivated and signed out everywhere."))


@admin_required
@require_POST
def employee_reactivate_view(request, pk):
    return _employee_action(request, pk, employee_reactivate, gettext_lazy("%(employee)s can sign in again."))


@admin_required
@require_POST
def employee_reset_mfa_view(request, pk):
    return _employee_action(
        request, pk, employee_reset_mfa,
        gettext_lazy("Two-step sign-in of %(employee)s is reset; they set it up again at their next sign-in."),
        rule=can_reset_sign_in,
    )


@admin_required
@require_POST
def employee_unlock_view(request, pk):
    return _employee_action(request, pk, employee_unlock, gettext_lazy("%(employee)s is unlocked."))


@admin_required
@require_POST
def employee_password_view(request, pk):
    employee = get_employee_for(request, pk, write=True, rule=can_reset_sign_in)
    try:
        password = employee_set_temporary_password(employee=employee, by=request.user)
    except EmployeeActionRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("employee_detail", pk=employee.pk)
    messages.success(request, _("%(employee)s has a new temporary password and was signed out.")
                     % {"employee": employee})
    return _employee_page(request, employee, temporary_password=password)

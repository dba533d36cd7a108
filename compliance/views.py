"""The owners' compliance pages: overview and retention, the register of data-subject requests with export and
erasure, the consent register, the audit trail and the record of processing. Everyone else gets 403 (logged)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bookings.errors import BookingError, error_text
from bookings.exports import spreadsheet_safe
from employees.access import role_required
from employees.models import Role
from studio_crm.formatting import when
from studio_crm.htmx import page_or_partial
from studio_crm.spreadsheets import sheet_format

from . import audit, consent, services
from .errors import ErasureRefused
from .forms import (
    AuditFilterForm,
    ErasureForm,
    PersonErasureForm,
    PersonKeysForm,
    PersonSearchForm,
    PolicyForm,
    RefuseForm,
    RequestFilterForm,
)
from .models import DataRequest, PolicyVersion, RequestStatus, RetentionRun
from .people import Person, person_find
from .processing import processing_record

owner_required = role_required(Role.OWNER)
REQUESTS_PAGE_SIZE = 25
RECENT_RUNS = 10


def _zip_response(request: DataRequest, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="personal-data-{request.pk}.zip"'
    return response


def _person_context(person: Person) -> dict:
    return {"person": person, "bookings": person.bookings().select_related("space").order_by("-start")[:50],
            "active": services.active_bookings(person), "notification_count": person.notifications().count(),
            "audit_count": person.audit_entries().count(),
            "consents": person.bookings().exclude(consent_policy_version="").count()}


# --- Overview and retention ----------------------------------------------------------------------


@owner_required
@require_GET
def compliance_home(request):
    today = timezone.localdate()
    open_requests = DataRequest.objects.filter(status=RequestStatus.OPEN)
    return render(request, "compliance/home.html", {
        "search": PersonSearchForm(),
        "runs": RetentionRun.objects.select_related("by")[:RECENT_RUNS],
        "retention_days": settings.RETENTION_DAYS,
        "open_requests": open_requests.select_related("booking").order_by("deadline", "pk")[:10],
        "open_count": open_requests.count(),
        "overdue_count": open_requests.filter(deadline__lt=today).count(),
        "policy": consent.policy_current(),
    })


@owner_required
@require_POST
def retention_dry_run(request):
    run = services.retention_run(days=settings.RETENTION_DAYS, dry_run=True, by=request.user)
    bookings = ngettext("%(count)s booking", "%(count)s bookings", run.bookings) % {"count": run.bookings}
    clients = ngettext("%(count)s client card", "%(count)s client cards", run.clients) % {"count": run.clients}
    messages.success(request, _("Dry run: %(bookings)s and %(clients)s would be anonymised. Nothing was changed.")
                     % {"bookings": bookings, "clients": clients})
    return redirect("compliance_home")


# --- A person: find, export, erase ---------------------------------------------------------------


@owner_required
@require_POST
def person_search(request):
    """POST, so that the phone or email never stands in an address, a history or an access log."""
    form = PersonSearchForm(request.POST)
    if not form.is_valid():
        return render(request, "compliance/home.html", {"search": form, "retention_days": settings.RETENTION_DAYS},
                      status=400)
    phone_index, email_hash = form.cleaned_data["keys"]
    person = person_find(phone_index=phone_index, email_hash=email_hash)
    keys = PersonKeysForm(initial={"phone_index": phone_index, "email_hash": email_hash})
    return render(request, "compliance/person.html", {**_person_context(person), "keys": keys,
                                                      "erase_form": PersonErasureForm(initial=keys.initial)})


def _person_from(form) -> Person:
    return person_find(phone_index=form.cleaned_data["phone_index"], email_hash=form.cleaned_data["email_hash"])


@owner_required
@require_POST
def person_export(request):
    form = PersonKeysForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.non_field_errors()))
        return redirect("compliance_home")
    data_request, content = services.data_export(person=_person_from(form), by=request.user)
    return _zip_response(data_request, content)


def _erase(request, *, person: Person, form, data_request: DataRequest | None, back: str, template: str, context):
    """Erase ``person`` as the valid ``form`` says; refusals go back to the page with the reason."""
    try:
        done = services.data_erase(person=person, by=request.user, reason=form.cleaned_data["reason"],
                                   request=data_request)
    except ErasureRefused as refused:
        return render(request, template, {**context, "erase_form": form, "refusal": refused}, status=409)
    except (BookingError, ValidationError) as error:
        messages.error(request, error_text(error))
        return redirect(back)
    count = done.counts.get("bookings", 0)
    messages.success(request, ngettext("Erased: %(count)s booking is anonymised and the client card removed.",
                                       "Erased: %(count)s bookings are anonymised and the client card removed.",
                                       count) % {"count": count})
    return redirect("data_request_list")


@owner_required
@require_POST
def person_erase(request):
    form = PersonErasureForm(request.POST)
    keys = PersonKeysForm(request.POST)
    if not keys.is_valid():
        messages.error(request, " ".join(keys.non_field_errors()))
        return redirect("compliance_home")
    person = _person_from(keys)
    context = {**_person_context(person), "keys": keys}
    if not form.is_valid():
        return render(request, "compliance/person.html", {**context, "erase_form": form}, status=400)
    return _erase(request, person=person, form=form, data_request=None, back="compliance_home",
                  template="compliance/person.html", context=context)


# --- The register ----------------------------------------------------------------------------------


def _filtered_requests(form: RequestFilterForm):
    requests = DataRequest.objects.select_related("completed_by", "booking")
    if not form.is_valid():
        return requests
    status, kind = form.cleaned_data.get("status"), form.cleaned_data.get("kind")
    if status == "overdue":
        requests = requests.filter(status=RequestStatus.OPEN, deadline__lt=timezone.localdate())
    elif status:
        requests = requests.filter(status=status)
    return requests.filter(kind=kind) if kind else requests


@owner_required
@require_GET
def data_request_list(request):
    form = RequestFilterForm(request.GET)
    page = Paginator(_filtered_requests(form), REQUESTS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, page_or_partial(request, "compliance/requests.html", "results"),
                  {"form": form, "page": page, "today": timezone.localdate()})


def _request_page(request, data_request: DataRequest, status: int = 200, **extra):
    person = services.data_request_person(data_request)
    return render(request, "compliance/request.html", {
        **_person_context(person), "data_request": data_request, "erase_form": ErasureForm(),
        "refuse_form": RefuseForm(), **extra}, status=status)


@owner_required
@require_GET
def data_request_detail(request, pk):
    return _request_page(request, get_object_or_404(DataRequest, pk=pk))


@owner_required
@require_POST
def data_request_export(request, pk):
    data_request = get_object_or_404(DataRequest, pk=pk)
    try:
        done, content = services.data_export(person=services.data_request_person(data_request), by=request.user,
                                             request=data_request)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("data_request_detail", pk=pk)
    return _zip_response(done, content)


@owner_required
@require_POST
def data_request_erase(request, pk):
    data_request = get_object_or_404(DataRequest, pk=pk)
    form = ErasureForm(request.POST)
    if not form.is_valid():
        return _request_page(request, data_request, status=400, erase_form=form)
    person = services.data_request_person(data_request)
    context = {**_person_context(person), "data_request": data_request, "refuse_form": RefuseForm()}
    return _erase(request, person=person, form=form, data_request=data_request, back=reverse("data_request_detail", args=[pk]),
                  template="compliance/request.html", context=context)


@owner_required
@require_POST
def data_request_refuse(request, pk):
    data_request = get_object_or_404(DataRequest, pk=pk)
    form = RefuseForm(request.POST)
    if not form.is_valid():
        return _request_page(request, data_request, status=400, refuse_form=form)
    try:
        services.data_request_refuse(request=data_request, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("data_request_detail", pk=pk)
    messages.success(request, _("The request is closed without action."))
    return redirect("data_request_list")


# --- Consent register ------------------------------------------------------------------------------


@owner_required
@require_http_methods(["GET", "POST"])
def consent_register(request):
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            policy = services.policy_publish(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Version %(version)s is published.") % {"version": policy.version})
            return redirect("consent_register")
    return render(request, "compliance/consent.html", {
        "form": form, "versions": consent.consent_counts(), "current": consent.policy_version_current(),
        "old_bookings": consent.bookings_under_old_policies(),
    }, status=400 if form.errors else 200)


@owner_required
@require_GET
def policy_text(request, pk):
    return render(request, "compliance/policy.html", {"policy": get_object_or_404(PolicyVersion, pk=pk)})


# --- Audit trail and record of processing ----------------------------------------------------------


def _trail(request) -> tuple[AuditFilterForm, audit.TrailFilter]:
    form = AuditFilterForm(request.GET, what_choices=audit.what_choices())
    return form, audit.TrailFilter.from_form(form)


@owner_required
@require_GET
def audit_trail(request):
    form, trail = _trail(request)
    rows, older = audit.trail_page(trail, before=audit.parse_cursor(request.GET.get("before")))
    query = request.GET.copy()
    query.pop("before", None)
    return render(request, page_or_partial(request, "compliance/audit.html", "results"), {
        "form": form, "rows": rows, "older": older.isoformat() if older else "", "query": query.urlencode(),
        "paged": "before" in request.GET,
    })


class _Echo:
    def write(self, value):
        return value


def _trail_csv(rows, language: str):
    """The trail as the reader's spreadsheet opens it (``sheet_format``): Russian Excel wants ``;`` and a BOM.
    Rows are written as the response streams, after the view has returned: in the reader's ``language``."""
    with translation.override(language):
        sheet = sheet_format()
        if sheet.bom:
            yield sheet.bom
        writer = sheet.writer(_Echo())
        yield writer.writerow([_("When"), _("Who"), _("Event"), _("What"), _("Record"), _("Changes"), _("Address")])
        for row in rows:
            changes = "; ".join(f"{field}: {old or '—'} → {new or '—'}" for field, old, new in row["changes"])
            moment = f"{when(row['at'], 'numeric')} {timezone.localtime(row['at']):%H:%M:%S}"
            yield writer.writerow([moment] + [spreadsheet_safe(value) for value in (
                row["who"], row["event"], row["what"], row["record"], changes, row["address"])])


@owner_required
@require_GET
def audit_export(request):
    _form, trail = _trail(request)
    response = StreamingHttpResponse(_trail_csv(audit.trail_rows(trail), translation.get_language()),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


@owner_required
@require_GET
def processing(request):
    return render(request, "compliance/processing.html", {"record": processing_record(),
                                                          "retention_days": settings.RETENTION_DAYS})

"""The studio's clients: every guest by phone, with visits, spending, no-shows, notes and the flag."""

from contextlib import suppress

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from employees.access import staff_required
from studio_crm.htmx import page_or_partial

from . import reports, services
from .access import get_client_for, visible_bookings, visible_clients, visible_spaces
from .forms import (
    PAGE_SIZES,
    ClientForm,
    ClientSearchForm,
)
from .models import Client

PAGE_SIZE = PAGE_SIZES[0]
CLIENT_CARD_BOOKINGS = 100  # the latest ones; the rest are a link to the filtered booking list
CLIENT_SORTS = {"name": ["name", "pk"], "spent": ["-total_spent", "name"], "recent": ["-last_visit", "name"],
                "visits": ["-visits", "name"]}


# --- Clients ----------------------------------------------------------------------------------------


def _figure_spaces(user):
    """The spaces whose bookings count in a client's figures for ``user`` (None: all of them)."""
    return None if user.is_admin_or_owner else visible_spaces(user)


def _clients_for(user):
    """The clients the employee may see, with figures counting only the bookings they may see."""
    if user.is_admin_or_owner:
        return reports.clients_with_figures(visible_clients(user))
    clients = Client.objects.filter(pk__in=visible_clients(user).values("pk"))
    return reports.clients_with_figures(clients, _figure_spaces(user))


@staff_required
@require_GET
def client_list(request):
    form = ClientSearchForm(request.GET)
    form.is_valid()
    clients = _clients_for(request.user)
    text = (form.cleaned_data.get("q") or "").strip()
    if text:
        query = Q(name__icontains=text)
        with suppress(ValidationError):
            query |= Q(phone_index=services.phone_index(text))
        clients = clients.filter(query)
    if form.cleaned_data.get("do_not_book"):
        clients = clients.filter(do_not_book=True)
    sort = request.GET.get("sort") if request.GET.get("sort") in CLIENT_SORTS else "name"
    page = Paginator(clients.order_by(*CLIENT_SORTS[sort]), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, page_or_partial(request, "clients/list.html", "results"), {
        "form": form, "page": page, "sort": sort, "searching": bool(text or form.cleaned_data.get("do_not_book")),
    })


@staff_required
@require_GET
def client_detail(request, pk):
    client = get_client_for(request, pk)
    bookings = visible_bookings(request.user).filter(client=client).select_related("space").order_by("-start")
    return render(request, "clients/detail.html", {
        "client": reports.client_figures(client, _figure_spaces(request.user)),
        "bookings": bookings[:CLIENT_CARD_BOOKINGS],
        "form": ClientForm(initial={"notes": client.notes, "do_not_book": client.do_not_book}),
    })


@staff_required
@require_POST
def client_update(request, pk):
    client = get_client_for(request, pk)
    form = ClientForm(request.POST)
    if form.is_valid():
        services.client_update(client=client, by=request.user, notes=form.cleaned_data["notes"],
                               do_not_book=form.cleaned_data["do_not_book"])
        flag = " Flagged “do not book”." if client.do_not_book else ""
        messages.success(request, f"{client.name}: card saved.{flag}")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(client)

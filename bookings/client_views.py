"""The studio's clients: every guest by phone, with visits, spending, no-shows, notes and the flag."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext
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
from .pagination import CappedPaginator
from .search import clients_matching

PAGE_SIZE = PAGE_SIZES[0]
CLIENT_CARD_BOOKINGS = 100  # the latest ones; the rest are a link to the filtered booking list
CLIENT_SORTS = {"name": ["name", "pk"], "spent": ["-total_spent", "name"], "recent": ["-last_visit", "name"],
                "visits": ["-visits", "name"]}


# --- Clients ----------------------------------------------------------------------------------------


def _figure_spaces(user):
    """The spaces whose bookings count in a client's figures for ``user`` (None: all of them)."""
    return None if user.is_admin_or_owner else visible_spaces(user)


def _searched(clients, form: ClientSearchForm):
    text = (form.cleaned_data.get("q") or "").strip()
    if text:
        clients = clients_matching(clients, text)
    if form.cleaned_data.get("do_not_book"):
        clients = clients.filter(do_not_book=True)
    return clients


def _client_page(user, clients, sort: str, number):
    """One page of ``clients``, each with its figures. By name, only the page's clients' bookings are read;
    sorting by a figure reads every client's."""
    spaces = _figure_spaces(user)
    if sort == "name":
        page = CappedPaginator(clients.order_by(*CLIENT_SORTS[sort]), PAGE_SIZE).get_page(number)
        page.object_list = reports.with_figures(list(page.object_list), spaces)
        return page
    ranked = reports.clients_with_figures(clients, spaces).order_by(*CLIENT_SORTS[sort])
    # Counted without the figures: the count needs none of them.
    return CappedPaginator(ranked, PAGE_SIZE, counted=clients).get_page(number)


@staff_required
@require_GET
def client_list(request):
    form = ClientSearchForm(request.GET)
    form.is_valid()
    clients = _searched(visible_clients(request.user), form)
    sort = request.GET.get("sort") if request.GET.get("sort") in CLIENT_SORTS else "name"
    page = _client_page(request.user, clients, sort, request.GET.get("page"))
    text = (form.cleaned_data.get("q") or "").strip()
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
        if client.do_not_book:
            text = gettext("%(name)s: card saved. Flagged “do not book”.")
        else:
            text = gettext("%(name)s: card saved.")
        messages.success(request, text % {"name": client.name})
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(client)

"""An employee's exports too large to stream: ask for one, see it being prepared, download it when ready."""

from django.conf import settings
from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from employees.access import staff_required
from studio_crm.htmx import page_or_partial

from . import exports

# While a file is being prepared the page asks again this often (htmx), so the link appears by itself.
POLL_SECONDS = 5


@staff_required
@require_GET
def booking_exports(request):
    files = exports.exports_of(request.user)
    return render(request, page_or_partial(request, "bookings/exports.html", "files"), {
        "files": files,
        # Set when the export link found too many bookings to stream: the filters to prepare a file of.
        "asked_query": request.GET.get("query"),
        "preparing": any(export.status == "preparing" for export in files),
        "poll_seconds": POLL_SECONDS,
        "inline_rows": settings.EXPORT_INLINE_ROWS,
        "keep_hours": settings.EXPORT_KEEP_HOURS,
    })


@staff_required
@require_POST
def booking_export_create(request):
    exports.booking_export_start(query=QueryDict(request.POST.get("query", "")), by=request.user)
    messages.success(request, _("The file is being prepared. It appears below when it is ready; you can leave "
                                "this page meanwhile."))
    return redirect("booking_exports")


@staff_required
@require_GET
def booking_export_download(request, export_id):
    return exports.file_response(request, exports.export_file_for(request, export_id))

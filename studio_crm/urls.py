from django.conf import settings
from django.contrib import admin
from django.shortcuts import redirect
from django.urls import include, path
from django.views.decorators.cache import cache_page
from django.views.i18n import JavaScriptCatalog
from django.views.static import serve

from bookings import search_views

from . import health


def home(request):
    """Staff go to their dashboard, everyone else to the public booking page."""
    if request.user.is_authenticated:
        return redirect("dashboard")
    return redirect("book")


urlpatterns = [
    path("", home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    # The language switcher posts here (Django's set_language: a cookie, then back to the page it came from).
    path("i18n/", include("django.conf.urls.i18n")),
    # The scripts' texts in the reader's language; the catalogue changes only with a release.
    path("jsi18n/", cache_page(3600)(JavaScriptCatalog.as_view()),
         name="javascript-catalog"),
    path("", include("employees.urls")),
    path("", include("bookings.urls")),
    path("", include("bookings.day_sheet_urls")),
    path("", include("bookings.public.urls")),
    path("search/", search_views.search, name="search"),
    path("calendar/", include("calendar_app.urls")),
    path("kanban/", include("kanban.urls")),
    path("notifications/", include("notifications.urls")),
    path("compliance/", include("compliance.urls")),
    path("setup/", include("studio_setup.urls")),
]

if settings.DEBUG:
    urlpatterns.append(path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}))

handler400 = "studio_crm.errors.bad_request"
handler403 = "studio_crm.errors.permission_denied"
handler404 = "studio_crm.errors.page_not_found"
handler500 = "studio_crm.errors.server_error"

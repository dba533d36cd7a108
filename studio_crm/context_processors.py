from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# (label, URL name, icon, roles that see it).
NAVIGATION = [
    (_("Work"), [
        (_("Dashboard"), "dashboard", "home", {"owner", "admin", "manager"}),
        (_("Bookings"), "booking_list", "list", {"owner", "admin", "manager"}),
        (_("Calendar"), "calendar", "calendar", {"owner", "admin", "manager"}),
        (_("Board"), "kanban", "columns", {"owner", "admin", "manager"}),
        (_("Clients"), "client_list", "users", {"owner", "admin", "manager"}),
    ]),
    (_("Studio"), [
        (_("Employees"), "employee_list", "id", {"owner", "admin"}),
        (_("Studio set-up"), "setup_home", "settings", {"owner", "admin"}),
        (_("Notifications"), "notification_list", "inbox", {"owner", "admin"}),
        (_("Compliance"), "compliance_home", "shield", {"owner"}),
        (_("Django admin"), "admin:index", "settings", {"owner"}),
    ]),
]


def navigation_for(user, path: str):
    sections = []
    for title, items in NAVIGATION:
        links = []
        for label, url_name, icon, roles in items:
            if user.role in roles:
                href = reverse(url_name)
                links.append({"label": label, "href": href, "icon": icon, "active": path.startswith(href)})
        if links:
            sections.append({"title": title, "links": links})
    return sections


def studio(request):
    context = {"STUDIO_NAME": settings.STUDIO_NAME}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["navigation"] = navigation_for(user, request.path)
    return context

from django.conf import settings

# (label, path, icon, roles that see it). Paths are the contract in SPEC.md.
NAVIGATION = [
    ("Work", [
        ("Dashboard", "/dashboard/", "home", {"owner", "admin", "manager"}),
        ("Bookings", "/bookings/", "list", {"owner", "admin", "manager"}),
        ("Calendar", "/calendar/", "calendar", {"owner", "admin", "manager"}),
        ("Board", "/kanban/", "columns", {"owner", "admin", "manager"}),
        ("Clients", "/clients/", "users", {"owner", "admin", "manager"}),
    ]),
    ("Studio", [
        ("Employees", "/employees/", "id", {"owner", "admin"}),
        ("Django admin", "/admin/", "settings", {"owner"}),
    ]),
]


def navigation_for(user, path: str):
    sections = []
    for title, items in NAVIGATION:
        links = [
            {"label": label, "href": href, "icon": icon, "active": path.startswith(href)}
            for label, href, icon, roles in items
            if user.role in roles
        ]
        if links:
            sections.append({"title": title, "links": links})
    return sections


def studio(request):
    context = {"STUDIO_NAME": settings.STUDIO_NAME}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["navigation"] = navigation_for(user, request.path)
    return context

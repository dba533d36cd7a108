"""Public pages for guests and the JSON API for the studio's website (included at the root)."""

from django.urls import include, path

from . import api, views

urlpatterns = [
    path("book/", views.book, name="book"),
    path("book/quote/", views.book_quote, name="book_quote"),
    path("book/done/<str:reference>/", views.book_done, name="book_done"),
    path("book/privacy/", views.privacy_policy, name="privacy_policy"),
    path("book/privacy/<str:version>/", views.privacy_policy, name="privacy_policy_version"),
    path("book/lookup/", views.book_lookup, name="book_lookup"),
    path("book/lookup/<str:reference>/", views.book_lookup_detail, name="book_lookup_detail"),
    path("book/lookup/<str:reference>/cancel/", views.book_cancel, name="book_cancel"),
    path("book/lookup/<str:reference>/my-data/copy/", views.book_data_request, {"kind": "export"},
         name="book_data_export"),
    path("book/lookup/<str:reference>/my-data/erase/", views.book_data_request, {"kind": "erase"},
         name="book_data_erase"),
    path("api/v1/", include((api.urlpatterns(), "ninja"), namespace="api_v1")),
    # Anything else under the API answers in the API's JSON error shape, not with an HTML page.
    path("api/v1/<path:rest>", api.not_found),
]

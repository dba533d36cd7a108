"""Public pages for guests and the JSON API for the studio's website (included at the root)."""

from django.urls import path

from . import public_views

urlpatterns = [
    path("book/", public_views.book, name="book"),
    path("book/quote/", public_views.book_quote, name="book_quote"),
    path("book/done/<str:reference>/", public_views.book_done, name="book_done"),
    path("book/privacy/", public_views.privacy_policy, name="privacy_policy"),
    path("book/lookup/", public_views.book_lookup, name="book_lookup"),
    path("book/lookup/<str:reference>/", public_views.book_lookup_detail, name="book_lookup_detail"),
    path("book/lookup/<str:reference>/cancel/", public_views.book_cancel, name="book_cancel"),
]

from django.urls import path, re_path

from . import views

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("bookings/<int:pk>/", views.booking_summary, name="calendar_booking"),
    path("bookings/<int:pk>/move/", views.booking_move, name="calendar_booking_move"),
    path("bookings/<int:pk>/transition/", views.booking_transition_view, name="calendar_booking_transition"),
    path("blocks/", views.block_new, name="calendar_block_new"),
    path("blocks/<int:pk>/delete/", views.block_remove, name="calendar_block_delete"),
    path("feeds/", views.feed_new, name="calendar_feed_new"),
    re_path(r"^ical/(?P<token>[A-Za-z0-9_-]{16,64})\.ics$", views.ical, name="calendar_ical"),
]

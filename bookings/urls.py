from django.urls import path

from . import booking_form_views, client_views, dashboard_views, export_views, views

urlpatterns = [
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("bookings/", views.booking_list, name="booking_list"),
    path("bookings/export.csv", views.booking_export, name="booking_export"),
    path("bookings/exports/", export_views.booking_exports, name="booking_exports"),
    path("bookings/exports/new/", export_views.booking_export_create, name="booking_export_create"),
    path("bookings/exports/<str:export_id>.csv", export_views.booking_export_download, name="booking_export_download"),
    path("bookings/batch/", views.booking_batch, name="booking_batch"),
    path("bookings/new/", booking_form_views.booking_create, name="booking_create"),
    path("bookings/preview/", booking_form_views.booking_preview, name="booking_preview"),
    path("bookings/clients/", booking_form_views.client_suggestions, name="client_suggestions"),
    path("bookings/<int:pk>/", views.booking_detail, name="booking_detail"),
    path("bookings/<int:pk>/edit/", booking_form_views.booking_edit, name="booking_edit"),
    path("bookings/<int:pk>/transition/", views.booking_transition, name="booking_transition"),
    path("bookings/<int:pk>/payment/", views.booking_payment, name="booking_payment"),
    path("bookings/<int:pk>/notes/", views.booking_notes, name="booking_notes"),
    path("clients/", client_views.client_list, name="client_list"),
    path("clients/<int:pk>/", client_views.client_detail, name="client_detail"),
    path("clients/<int:pk>/update/", client_views.client_update, name="client_update"),
]

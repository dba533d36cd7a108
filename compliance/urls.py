from django.urls import path

from . import views

urlpatterns = [
    path("", views.compliance_home, name="compliance_home"),
    path("retention/dry-run/", views.retention_dry_run, name="retention_dry_run"),
    path("person/", views.person_search, name="person_search"),
    path("person/export/", views.person_export, name="person_export"),
    path("person/erase/", views.person_erase, name="person_erase"),
    path("requests/", views.data_request_list, name="data_request_list"),
    path("requests/<int:pk>/", views.data_request_detail, name="data_request_detail"),
    path("requests/<int:pk>/export/", views.data_request_export, name="data_request_export"),
    path("requests/<int:pk>/erase/", views.data_request_erase, name="data_request_erase"),
    path("requests/<int:pk>/refuse/", views.data_request_refuse, name="data_request_refuse"),
    path("consent/", views.consent_register, name="consent_register"),
    path("consent/<int:pk>/", views.policy_text, name="policy_text"),
    path("audit/", views.audit_trail, name="compliance_audit"),
    path("audit/export.csv", views.audit_export, name="compliance_audit_export"),
    path("processing/", views.processing, name="processing_record"),
]

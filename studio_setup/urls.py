from django.urls import path

from . import views

urlpatterns = [
    path("", views.setup_home, name="setup_home"),
    path("halls/", views.space_list, name="setup_space_list"),
    path("halls/new/", views.space_new, name="setup_space_new"),
    path("halls/<int:pk>/", views.space_edit, name="setup_space_edit"),
    path("halls/<int:pk>/delete/", views.space_delete_view, name="setup_space_delete"),
    path("halls/<int:pk>/rates/new/", views.space_rate_new, name="setup_space_rate_new"),
    path("halls/<int:pk>/rates/<int:rate_pk>/", views.space_rate_edit, name="setup_space_rate_edit"),
    path("halls/<int:pk>/rates/<int:rate_pk>/delete/", views.space_rate_delete_view, name="setup_space_rate_delete"),
    path("equipment/", views.equipment_list, name="setup_equipment_list"),
    path("equipment/new/", views.equipment_new, name="setup_equipment_new"),
    path("equipment/<int:pk>/", views.equipment_edit, name="setup_equipment_edit"),
    path("equipment/<int:pk>/delete/", views.equipment_delete_view, name="setup_equipment_delete"),
    path("promo-codes/", views.promo_code_list, name="setup_promo_code_list"),
    path("promo-codes/new/", views.promo_code_new, name="setup_promo_code_new"),
    path("promo-codes/<int:pk>/", views.promo_code_edit, name="setup_promo_code_edit"),
    path("hours/", views.opening_hours_page, name="setup_hours"),
    path("hours/special-days/new/", views.special_day_new, name="setup_special_day_new"),
    path("hours/special-days/<int:pk>/", views.special_day_edit, name="setup_special_day_edit"),
    path("hours/special-days/<int:pk>/delete/", views.special_day_delete_view, name="setup_special_day_delete"),
]

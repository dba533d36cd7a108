from django.urls import path

from . import day_sheet_views

urlpatterns = [
    path("day-sheet/", day_sheet_views.day_sheet, name="day_sheet"),
]

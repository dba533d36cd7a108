from django.urls import path

from . import views

urlpatterns = [
    path("", views.board, name="kanban"),
    path("move/", views.move, name="kanban_move"),
]

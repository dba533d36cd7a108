from django.urls import path

from .consumers import CalendarConsumer

websocket_urlpatterns = [
    path("ws/calendar/", CalendarConsumer.as_asgi()),
]

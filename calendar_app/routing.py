from django.urls import path

from .consumers import CalendarConsumer

# The calendar page reads the socket's address from here (channels routes have no reverse()).
CALENDAR_SOCKET = "ws/calendar/"

websocket_urlpatterns = [
    path(CALENDAR_SOCKET, CalendarConsumer.as_asgi()),
]

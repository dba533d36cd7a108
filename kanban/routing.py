from django.urls import path

from .consumers import BoardConsumer

# The board page reads the socket's address from here (channels routes have no reverse()).
BOARD_SOCKET = "ws/kanban/"

websocket_urlpatterns = [
    path(BOARD_SOCKET, BoardConsumer.as_asgi()),
]

from django.urls import path

from .consumers import BoardConsumer

websocket_urlpatterns = [
    path("ws/kanban/", BoardConsumer.as_asgi()),
]

"""Websocket routes of every app, in one list for the ASGI application."""

from calendar_app.routing import websocket_urlpatterns as calendar_routes
from kanban.routing import websocket_urlpatterns as kanban_routes

websocket_urlpatterns = [*kanban_routes, *calendar_routes]

"""Websocket routes of every app, in one list for the ASGI application."""

websocket_urlpatterns = []

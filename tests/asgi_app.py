"""The studio's ASGI application as the test servers of tests/live.py run it under daphne.

``application`` is studio_crm.asgi's own; ``with_static`` also serves /static/, as runserver does in
development (a browser needs it).
"""

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

from studio_crm.asgi import application

with_static = ASGIStaticFilesHandler(application)

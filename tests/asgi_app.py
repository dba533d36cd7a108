"""The studio's ASGI application as the test servers of tests/live.py run it under daphne.

``application`` is studio_crm.asgi's own; ``with_static`` also serves /static/, as runserver does in
development (a browser needs it). Boards talk in the group named by KANBAN_TEST_GROUP, so test runs
that share one Redis never hear each other.
"""

import os

from django.conf import settings
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

from studio_crm.asgi import application

if os.environ.get("KANBAN_TEST_GROUP"):
    settings.KANBAN_GROUP = os.environ["KANBAN_TEST_GROUP"]

with_static = ASGIStaticFilesHandler(application)

"""The studio's ASGI application plus static files, as ``runserver`` serves them in development.

The browser tests run it under daphne: in development settings nothing else serves /static/.
"""

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

from studio_crm.asgi import application as studio_application

application = ASGIStaticFilesHandler(studio_application)

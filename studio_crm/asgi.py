import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio_crm.settings")
# Django must be set up before anything imports models (the websocket routes do).
django.setup(set_prefix=False)

from studio_crm.servers import RequestInOneThread  # noqa: E402

django_asgi_app = RequestInOneThread()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from studio_crm.routing import websocket_urlpatterns  # noqa: E402
from studio_crm.servers import (  # noqa: E402
    TryAgainWhenTheDatabaseIsBusy,
    clean_daphne_access_log,
    leave_request_bodies_to_django,
)

leave_request_bodies_to_django()
clean_daphne_access_log()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": TryAgainWhenTheDatabaseIsBusy(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)

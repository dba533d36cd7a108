from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudioSetupConfig(AppConfig):
    name = "studio_setup"
    verbose_name = _("Studio set-up")

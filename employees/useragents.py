"""A readable name for the device behind a user agent string ("Chrome on Android").

Deliberately small: the sessions page needs a hint a person recognises, not a full parser.
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari", Android also says "Linux".
BROWSERS = [
    (r"Edg(e|A|iOS)?/", "Edge"),
    (r"OPR/|Opera", "Opera"),
    (r"Firefox/|FxiOS/", "Firefox"),
    (r"YaBrowser/", gettext_lazy("Yandex Browser")),
    (r"Chrome/|CriOS/|Chromium/", "Chrome"),
    (r"Safari/", "Safari"),
    (r"curl/", "curl"),
]
SYSTEMS = [
    (r"iPhone", "iPhone"),
    (r"iPad", "iPad"),
    (r"Android", "Android"),
    (r"Windows", "Windows"),
    (r"Mac OS X|Macintosh", "macOS"),
    (r"CrOS", "ChromeOS"),
    (r"Linux", "Linux"),
]


def _first(patterns, text: str) -> str:
    for pattern, name in patterns:
        if re.search(pattern, text):
            return name
    return ""


def device_label(user_agent: str) -> str:
    if not user_agent:
        return _("Unknown device")
    browser, system = _first(BROWSERS, user_agent), _first(SYSTEMS, user_agent)
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return str(browser or system or _("Unknown browser"))

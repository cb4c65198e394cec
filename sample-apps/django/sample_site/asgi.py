"""The ASGI entry point, ``sample_site.asgi:application``, for an ASGI server."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sample_site.settings")

application = get_asgi_application()

from .settings import require_secret_key  # noqa: E402  (after Django is set up)

require_secret_key()

"""The WSGI entry point, ``sample_site.wsgi:application`` (the templates' WSGI_APP for this app)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sample_site.settings")

application = get_wsgi_application()

# Refuse to load without a secret key (see settings.py): the server then stops at start with this
# message, instead of answering 500 to the first request that signs something.
from .settings import require_secret_key  # noqa: E402  (after Django is set up)

require_secret_key()

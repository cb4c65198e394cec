"""The WSGI entry point, ``wsgi:app``: a ``wsgi.py`` at the app's root is the convention the
dockerize-python templates default to, so this app needs no server configuration."""

from sample_app import create_app

app = create_app()

"""The ASGI entry point, ``asgi:app``: an ``asgi.py`` at the app's root is the convention the
dockerize-python ASGI template defaults to, so this app needs no server configuration."""

from sample_app import create_app

app = create_app()

"""A small Flask + SQLAlchemy + PostgreSQL app, configured from environment variables."""

import logging

from flask import Flask, Response
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from .config import database_url, static_folder

log = logging.getLogger(__name__)


def create_app() -> Flask:
    """Build the Flask app. Reads DATABASE_* from the environment (see config.py)."""
    # static/ lives at the project root, beside the package, so that a front web server can serve
    # the same files; Flask serves them only when it runs alone (development).
    app = Flask(__name__, static_folder=str(static_folder()))

    # The engine opens no connection until the first query, so a server that imports the app and
    # then forks worker processes does not share a connection between them. pool_pre_ping replaces
    # connections the database closed while they sat in the pool (a database restart, say).
    engine = create_engine(database_url(), pool_pre_ping=True)
    app.extensions["sqlalchemy_engine"] = engine

    @app.get("/")
    def hello() -> Response:
        try:
            with engine.connect() as connection:
                version = connection.execute(text("SELECT version()")).scalar_one()
        except SQLAlchemyError:
            log.exception("could not read the PostgreSQL version")
            return Response("Hello World From Docker!\nThe database is unavailable.\n", status=503, mimetype="text/plain")
        return Response(f"Hello World From Docker!\n{version}\n", mimetype="text/plain")

    @app.get("/healthz")
    def healthz() -> Response:
        # Liveness of this process only: it must not fail because the database is briefly away.
        return Response("ok\n", mimetype="text/plain")

    return app

"""A small Flask + SQLAlchemy + PostgreSQL app, configured from environment variables."""

import logging
import time

from flask import Flask, Response, request
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

    @app.get("/slow")
    def slow() -> Response:
        # A request that takes a while (?seconds=, at most 30): what a graceful shutdown must let finish.
        seconds = min(max(request.args.get("seconds", default=2.0, type=float), 0.0), 30.0)
        time.sleep(seconds)
        return Response(f"slept {seconds:g}s\n", mimetype="text/plain")

    def visits(record: bool) -> int:
        # Rows in the database, one per POST: data that must survive a restart of the stack.
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE IF NOT EXISTS visits (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())"))
            if record:
                connection.execute(text("INSERT INTO visits DEFAULT VALUES"))
            return connection.execute(text("SELECT count(*) FROM visits")).scalar_one()

    @app.post("/visits")
    def add_visit() -> Response:
        return Response(f"{visits(record=True)}\n", status=201, mimetype="text/plain")

    @app.get("/visits")
    def count_visits() -> Response:
        return Response(f"{visits(record=False)}\n", mimetype="text/plain")

    return app

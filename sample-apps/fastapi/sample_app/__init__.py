"""A small FastAPI + SQLAlchemy + PostgreSQL app, configured from environment variables.

The database is reached with SQLAlchemy's synchronous engine, from plain ``def`` endpoints: FastAPI
runs those in its thread pool, so a query never blocks the event loop, and the app needs no async
driver (the same psycopg 3 or psycopg2 as the Flask sample). Only ``/slow`` is ``async def``: it
waits with ``asyncio.sleep``, as a request that waits on I/O does.
"""

import asyncio
import logging

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from .config import database_url, static_folder

log = logging.getLogger(__name__)


def create_app() -> FastAPI:
    """Build the FastAPI app. Reads DATABASE_* from the environment (see config.py)."""
    app = FastAPI(title="sample-app", default_response_class=PlainTextResponse)

    # The engine opens no connection until the first query, so a server that imports the app and
    # then starts worker processes does not share a connection between them. pool_pre_ping replaces
    # connections the database closed while they sat in the pool (a database restart, say).
    engine = create_engine(database_url(), pool_pre_ping=True)
    app.state.sqlalchemy_engine = engine

    @app.get("/")
    def hello() -> PlainTextResponse:
        try:
            with engine.connect() as connection:
                version = connection.execute(text("SELECT version()")).scalar_one()
        except SQLAlchemyError:
            log.exception("could not read the PostgreSQL version")
            return PlainTextResponse("Hello World From Docker!\nThe database is unavailable.\n", status_code=503)
        return PlainTextResponse(f"Hello World From Docker!\n{version}\n")

    @app.get("/healthz")
    async def healthz() -> PlainTextResponse:
        # Liveness of this process only: it must not fail because the database is briefly away.
        return PlainTextResponse("ok\n")

    @app.get("/slow")
    async def slow(seconds: float = 2.0) -> PlainTextResponse:
        # A request that takes a while (?seconds=, at most 30): what a graceful shutdown must let
        # finish. An async sleep: the event loop keeps serving other requests meanwhile.
        seconds = min(max(seconds, 0.0), 30.0)
        await asyncio.sleep(seconds)
        return PlainTextResponse(f"slept {seconds:g}s\n")

    def visits(record: bool) -> int:
        # Rows in the database, one per POST: data that must survive a restart of the stack.
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE IF NOT EXISTS visits (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())"))
            if record:
                connection.execute(text("INSERT INTO visits DEFAULT VALUES"))
            return connection.execute(text("SELECT count(*) FROM visits")).scalar_one()

    @app.post("/visits", status_code=201)
    def add_visit() -> PlainTextResponse:
        return PlainTextResponse(f"{visits(record=True)}\n", status_code=201)

    @app.get("/visits")
    def count_visits() -> PlainTextResponse:
        return PlainTextResponse(f"{visits(record=False)}\n")

    # static/ lives at the project root, beside the package, so that a front web server (Caddy)
    # serves the same files; this mount serves them only when the app runs alone (development).
    app.mount("/static", StaticFiles(directory=static_folder()), name="static")
    return app

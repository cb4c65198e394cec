"""Configuration from environment variables."""

import os
from importlib.util import find_spec
from pathlib import Path

from sqlalchemy.engine import URL


def postgresql_driver() -> str:
    """SQLAlchemy's PostgreSQL dialect for the driver installed: psycopg (3) when it is, else psycopg2.

    Installed, not importable: a psycopg 3 that cannot load libpq must say so itself ("libpq library
    not found"), not be passed over for a psycopg2 that is missing too.
    """
    return "postgresql+psycopg" if find_spec("psycopg") else "postgresql+psycopg2"


def database_url() -> URL:
    """The PostgreSQL URL from DATABASE_HOST, DATABASE_PORT, DATABASE_NAME, DATABASE_USER and
    DATABASE_PASSWORD.

    URL.create quotes every part, so a password such as ``P@ss:w/rd %#?`` works; formatting the
    URL as a string would break on ``@ : / % # ?`` and spaces.
    """
    port = os.environ.get("DATABASE_PORT", "").strip()
    return URL.create(
        postgresql_driver(),
        username=os.environ.get("DATABASE_USER") or None,
        password=os.environ.get("DATABASE_PASSWORD") or None,
        host=os.environ.get("DATABASE_HOST") or None,
        port=int(port) if port else None,
        database=os.environ.get("DATABASE_NAME") or None,
    )


def static_folder() -> Path:
    """The project's static/ folder, beside the sample_app package."""
    return Path(__file__).resolve().parent.parent / "static"

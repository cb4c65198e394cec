"""The sample app's routes: the same contract as the Flask sample app (see the README)."""

import logging
import time

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from .models import Visit

log = logging.getLogger(__name__)


def text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


@require_GET
def hello(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            # The server's own version string; SQLite (no DATABASE_HOST) has no version() function.
            cursor.execute("SELECT 'SQLite ' || sqlite_version()" if connection.vendor == "sqlite" else "SELECT version()")
            (version,) = cursor.fetchone()
    except DatabaseError:
        log.exception("could not read the database's version")
        return text("Hello World From Docker!\nThe database is unavailable.\n", status=503)
    return text(f"Hello World From Docker!\n{version}\n")


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    # Liveness of this process only: it must not fail because the database is briefly away.
    return text("ok\n")


@require_GET
def slow(request: HttpRequest) -> HttpResponse:
    # A request that takes a while (?seconds=, at most 30): what a graceful shutdown must let finish.
    try:
        seconds = min(max(float(request.GET.get("seconds", "2")), 0.0), 30.0)
    except ValueError:
        seconds = 2.0
    time.sleep(seconds)
    return text(f"slept {seconds:g}s\n")


# An API called without a session or a form, so no CSRF token to check.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def visits(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        Visit.objects.create()
        return text(f"{Visit.objects.count()}\n", status=201)
    return text(f"{Visit.objects.count()}\n")

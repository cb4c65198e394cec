"""`manage.py migrate_locked`: `migrate`, one container at a time.

Every container of the app runs it before its server starts (prestart.sh). Django's migrate is not
safe when several run at once: two may both see a migration unapplied and both apply it. On
PostgreSQL, a session-level advisory lock makes them take turns: the first applies the migrations,
the others wait, then find nothing left to do. SQLite (one file, one container) needs no lock.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections

# Any 64-bit number, the same in every container of the app and used for nothing else: "migrate" in ASCII.
MIGRATE_LOCK_KEY = int.from_bytes(b"migrate", "big")


class Command(BaseCommand):
    help = "Runs migrate under a PostgreSQL advisory lock, so that containers started together take turns."

    def handle(self, *args, **options):
        connection = connections[DEFAULT_DB_ALIAS]
        migrate = lambda: call_command("migrate", interactive=False, verbosity=options["verbosity"])  # noqa: E731
        if connection.vendor != "postgresql":
            migrate()
            return
        # migrate uses this same connection (one per thread), so the lock is held across its transactions.
        with connection.cursor() as cursor:
            self.stdout.write("Waiting for the migration lock (another container may hold it)...")
            cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK_KEY])
            try:
                migrate()
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK_KEY])

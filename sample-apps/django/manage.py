#!/usr/bin/env python
"""Django's command-line utility for this project (runserver, migrate, collectstatic, check...)."""

import os
import sys


def main() -> None:
    # The settings module; an environment variable of that name wins (Django's convention).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sample_site.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

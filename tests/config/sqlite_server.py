"""A Headroom server on a fresh SQLite file, as ./bin/demo runs it: migrates, builds the
race data (tests/config/races.py), prints it as one JSON line, then serves on the port
given until it is stopped.

    DATABASE_URL=sqlite:////tmp/x.sqlite3 python -m tests.config.sqlite_server PORT
"""

from __future__ import annotations

import json
import os
import sys


def main(port: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from tests.config import races

    call_command("migrate", verbosity=0)
    print(json.dumps(races.build()), flush=True)
    connections.close_all()
    # runserver's threaded server, one thread (and SQLite connection) per request.
    call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, skip_checks=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))

import sqlite3
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    help = (
        "Copy the SQLite database to a file while the site keeps serving (SQLite's online "
        "backup: a consistent snapshot, editors' saves are not blocked for long). On "
        "PostgreSQL use pg_dump instead; see docs/deploy.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup file to write; must not exist yet")

    def handle(self, path, **options):
        if connection.vendor != "sqlite":
            raise CommandError(
                f"the database is {connection.vendor}: back it up with "
                '`pg_dump --format=custom --file=kneeinfo.dump "$DATABASE_URL"` (docs/deploy.md)'
            )
        target = Path(path)
        if target.exists():
            raise CommandError(f"{target} exists: choose a new file, nothing was overwritten")
        if not target.parent.is_dir():
            raise CommandError(f"{target.parent} is not a folder")
        connection.ensure_connection()
        try:
            copy = sqlite3.connect(target)
            try:
                connection.connection.backup(copy, pages=1024)
                status = copy.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                copy.close()
        except sqlite3.Error as error:
            target.unlink(missing_ok=True)
            raise CommandError(f"backup failed: {error}") from error
        if status != "ok":
            raise CommandError(f"the copy failed its integrity check: {status}")
        size = target.stat().st_size
        self.stdout.write(f"backed up to {target} ({size:,} bytes, integrity check ok)")

from django.core.management.base import BaseCommand, CommandError

from articles.markdown_files import ContentError, import_dir


class Command(BaseCommand):
    help = (
        "Load categories, tags and articles from a folder of Markdown files with front matter. "
        "Creates what is missing, updates what the files changed, and never overwrites "
        "anything an editor changed in the admin since the last import (reported as a conflict)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the content folder, e.g. articles/content")
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would change, write nothing"
        )

    def handle(self, path, dry_run=False, **options):
        try:
            report = import_dir(path, dry_run=dry_run)
        except ContentError as error:
            raise CommandError(str(error)) from error
        for line in report.lines():
            self.stdout.write(line)
        if dry_run:
            self.stdout.write("dry run: nothing was written")
        if report.errors:
            raise CommandError(f"{len(report.errors)} file(s) could not be imported")

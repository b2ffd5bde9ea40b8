from django.core.management.base import BaseCommand, CommandError

from articles.markdown_files import ContentError, export_dir


class Command(BaseCommand):
    help = (
        "Write every category, tag and article (drafts too) to a folder as Markdown files with "
        "front matter, in the format import_content reads. Only the files for objects in the "
        "database are written; anything else in the folder is left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the folder to write to; created if missing")

    def handle(self, path, **options):
        try:
            report = export_dir(path)
        except ContentError as error:
            raise CommandError(str(error)) from error
        for line in report.lines():
            self.stdout.write(line)

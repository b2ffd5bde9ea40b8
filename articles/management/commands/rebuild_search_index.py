from django.core.management.base import BaseCommand

from articles import search


class Command(BaseCommand):
    help = "Rebuild the search index (and its spelling dictionary) from all articles."

    def handle(self, **options):
        count = search.rebuild()
        self.stdout.write(f"indexed {count} articles")

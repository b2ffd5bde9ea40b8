from django.core.management.base import BaseCommand, CommandError

from articles import checks
from articles.models import Article


class Command(BaseCommand):
    help = (
        "Run the content checks (reading level, long sentences, jargon, headings, alt text, "
        "internal links, help panel) over the articles: one line per problem, as "
        "'slug: level: message'. Exits with status 1 when a published article has an error "
        "(a problem that blocks publishing)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--slug", help="check only the article with this slug")
        parser.add_argument(
            "--published-only",
            action="store_true",
            help="check only published articles (scheduled ones included)",
        )

    def handle(self, slug=None, published_only=False, **options):
        articles = Article.objects.select_related("category").order_by("slug")
        if slug:
            articles = articles.filter(slug=slug)
            if not articles.exists():
                raise CommandError(f"There is no article with the slug '{slug}'.")
        if published_only:
            articles = articles.filter(status=Article.Status.PUBLISHED)

        jargon = checks.jargon_patterns()
        checked = warnings = errors = published_errors = 0
        for article in articles:
            checked += 1
            for problem in checks.check_article(article, jargon).problems:
                self.stdout.write(f"{article.slug}: {problem.level}: {problem.message}")
                if problem.blocking:
                    errors += 1
                    published_errors += article.status == Article.Status.PUBLISHED
                else:
                    warnings += 1

        self.stdout.write(
            f"{checked} {'article' if checked == 1 else 'articles'} checked: "
            f"{errors} {'error' if errors == 1 else 'errors'} "
            f"({published_errors} in published articles), "
            f"{warnings} {'warning' if warnings == 1 else 'warnings'}."
        )
        if published_errors:
            raise CommandError(
                f"{published_errors} problem(s) that block publishing in published articles."
            )

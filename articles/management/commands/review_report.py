"""`manage.py review_report`: which articles are due for review, for a scheduled job.

Prints the overdue articles, then those due within `--days` (30 by default), each with its
reviewer and admin link. Exits with status 1 when any article is overdue, so a cron job or CI
can alert on it."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.urls import reverse
from django.utils import timezone

from articles.models import Article


class Command(BaseCommand):
    help = "List articles whose review is overdue or due soon; exit status 1 if any is overdue."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="how far ahead to look")

    def handle(self, days, **options):
        if days < 0:
            self.stderr.write("--days must be 0 or more")
            raise SystemExit(2)
        today = timezone.localdate()
        articles = Article.objects.exclude(status=Article.Status.DRAFT).select_related("category")
        overdue = articles.filter(next_review_due__lt=today).order_by("next_review_due", "title")
        soon = articles.filter(
            next_review_due__gte=today, next_review_due__lte=today + timedelta(days=days)
        ).order_by("next_review_due", "title")
        missing = articles.filter(next_review_due__isnull=True).order_by("title")
        for heading, group in [
            ("Overdue", overdue),
            (f"Due in the next {days} days", soon),
            ("No review date", missing),
        ]:
            rows = list(group)
            self.stdout.write(f"{heading}: {len(rows)}")
            for article in rows:
                due = article.next_review_due.isoformat() if article.next_review_due else "-"
                admin_url = reverse("admin:articles_article_change", args=[article.pk])
                self.stdout.write(
                    f"  {due}  {article.title}  (reviewed by {article.reviewed_by or 'nobody'};"
                    f" {admin_url})"
                )
        if overdue.exists():
            self.stderr.write(f"{overdue.count()} article(s) overdue for review")
            raise SystemExit(1)

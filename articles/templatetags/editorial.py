"""Template tags for the editors' admin."""

from datetime import timedelta

from django import template
from django.utils import timezone

from articles.models import Article

register = template.Library()


@register.inclusion_tag("admin/articles/reviews_due.html")
def reviews_due(limit=15):
    """The admin dashboard's list of overdue reviews and reviews due in the next 30 days."""
    today = timezone.localdate()
    due = (
        Article.objects.exclude(status=Article.Status.DRAFT)
        .filter(next_review_due__lte=today + timedelta(days=30))
        .order_by("next_review_due")
        .only("title", "next_review_due", "reviewed_by")
    )
    rows = list(due[: limit + 1])
    return {"articles": rows[:limit], "more": len(rows) > limit, "today": today}

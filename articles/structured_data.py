"""schema.org JSON-LD for search engines: the article as a MedicalWebPage, and breadcrumbs."""

from django.conf import settings
from django.urls import reverse


def _absolute(request, url):
    return request.build_absolute_uri(url)


def article_json_ld(request, article, tags):
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": article.title,
        "headline": article.title,
        "description": article.summary,
        "url": _absolute(request, article.get_absolute_url()),
        "inLanguage": "en",
        "datePublished": article.published_at.isoformat(),
        "dateModified": article.updated_at.isoformat(),
        "audience": {"@type": "PeopleAudience", "audienceType": "Patient"},
        "about": [{"@type": "MedicalSignOrSymptom", "name": "Weakness behind the knee"}]
        + [{"@type": "MedicalCondition", "name": tag.name} for tag in tags],
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME},
        "isPartOf": {
            "@type": "WebSite",
            "name": settings.SITE_NAME,
            "url": _absolute(request, "/"),
        },
    }
    if article.last_reviewed:
        data["lastReviewed"] = article.last_reviewed.isoformat()
    if article.reviewed_by:
        data["reviewedBy"] = {"@type": "Organization", "name": article.reviewed_by}
    return data


def breadcrumbs_json_ld(request, trail):
    """`trail` is the list of objects after Home, each with a name or title."""
    items = [("Home", reverse("articles:home"))]
    items += [(getattr(obj, "title", None) or obj.name, obj.get_absolute_url()) for obj in trail]
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": name, "item": _absolute(request, url)}
            for i, (name, url) in enumerate(items, start=1)
        ],
    }

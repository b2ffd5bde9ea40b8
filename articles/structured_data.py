"""schema.org JSON-LD for search engines: the article as a MedicalWebPage, breadcrumbs, and the
site itself with its search."""

from django.conf import settings
from django.urls import reverse

# What every article on the site is about, whatever its cause.
SYMPTOM = {"@type": "MedicalSignOrSymptom", "name": "Weakness behind the knee"}
# Written for patients and the public, not for clinicians.
AUDIENCE = {"@type": "MedicalAudience", "audienceType": "Patient"}


def _absolute(request, url):
    return request.build_absolute_uri(url)


def article_json_ld(request, article, tags):
    """A MedicalWebPage: what it is about, who it is for, and when and by whom it was reviewed.

    A cause article is also about the condition it describes. Tags mix symptoms, body parts
    and treatments, so they are keywords rather than typed `about` entities.
    """
    about = [SYMPTOM]
    if article.category.is_cause:
        about.append({"@type": "MedicalCondition", "name": article.title})
    url = _absolute(request, article.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "@id": url,
        "url": url,
        "name": article.title,
        "headline": article.title,
        "description": article.summary,
        "inLanguage": "en-GB",
        # A draft being previewed may have no publication date yet.
        **({"datePublished": article.published_at.isoformat()} if article.published_at else {}),
        "dateModified": article.updated_at.isoformat(),
        "audience": AUDIENCE,
        "about": about,
        "keywords": ", ".join(tag.name for tag in tags),
        "articleSection": article.category.name,
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME},
        "isPartOf": {
            "@type": "WebSite",
            "name": settings.SITE_NAME,
            "url": _absolute(request, reverse("articles:home")),
        },
    }
    # Only a clinician's review is a review to search engines: an editorial check against the
    # sources is not, so neither its date nor its team is given as one.
    if article.clinically_reviewed:
        data["lastReviewed"] = article.clinically_reviewed_on.isoformat()
        data["reviewedBy"] = {
            "@type": "Person",
            "name": article.clinical_reviewer,
            "jobTitle": article.clinical_reviewer_profession,
        }
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


def website_json_ld(request):
    """The site, and how to search it, for the home page."""
    search = _absolute(request, reverse("articles:search"))
    return {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": settings.SITE_NAME,
        "url": _absolute(request, reverse("articles:home")),
        "inLanguage": "en-GB",
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": f"{search}?q={{search_term_string}}"},
            "query-input": "required name=search_term_string",
        },
    }

"""Readers' own words must find the right article in the top three, on either engine."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from articles import search

CONTENT = Path(__file__).resolve().parent.parent / "articles" / "content"

OVERVIEW = "weakness-behind-the-knee"
MUSCLES = "muscle-weakness-and-imbalance"
JOINTS = "arthritis-and-joint-conditions"
NERVES = "sciatica-and-trapped-nerves"
BONES = "fractures-around-the-knee"
LIGAMENTS = "acl-and-pcl-ligament-injuries"
OVERUSE = "overuse-and-overtraining"
POSTURE = "bow-legs-knock-knees-and-posture"
PHYSIO = "physiotherapy-and-strengthening-exercises"
MEDICINES = "medicines-and-pain-relief"
LIFESTYLE = "everyday-changes-for-stronger-knees"
DOCTOR = "when-to-see-a-health-professional"

LAY_QUERIES = [
    ("back of my knee feels weak", OVERVIEW),
    ("weakness behind the knee", OVERVIEW),
    ("pins and needles", NERVES),
    ("tingling down my leg", NERVES),
    ("shooting pain down the back of my leg", NERVES),
    ("pinched nerve in my back", NERVES),
    ("sciatica", NERVES),
    ("numb leg", NERVES),
    ("knee gives way", LIGAMENTS),
    ("wobbly knee", LIGAMENTS),
    ("torn acl", LIGAMENTS),
    ("heard a pop when I twisted my knee", LIGAMENTS),
    ("dashboard injury", LIGAMENTS),
    ("swollen after a fall", BONES),
    ("broken kneecap", BONES),
    ("can't put weight on my leg after a fall", BONES),
    ("wear and tear", JOINTS),
    ("gout", JOINTS),
    ("pseudogout", JOINTS),
    ("stiff swollen knee in the morning", JOINTS),
    ("osteonecrosis", JOINTS),
    ("weak thigh muscles", MUSCLES),
    ("quads", MUSCLES),
    ("hamstring", MUSCLES),
    ("too much running", OVERUSE),
    ("tired heavy legs after training", OVERUSE),
    ("bow legs", POSTURE),
    ("knock knees", POSTURE),
    ("bandy legs", POSTURE),
    ("exercises to strengthen my knee", PHYSIO),
    ("physical therapy", PHYSIO),
    ("painkillers", MEDICINES),
    ("ibuprofen gel", MEDICINES),
    ("desk job", LIFESTYLE),
    ("good shoes for knees", LIFESTYLE),
    ("when should I see a doctor", DOCTOR),
    # misspelt: found through "Did you mean"
]
MISSPELT = [("sciatca", "sciatica"), ("arthritus", "arthritis"), ("ligement", "ligament")]


@pytest.fixture(scope="module")
def shipped_content(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("import_content", str(CONTENT), stdout=StringIO())
        yield
        from articles.models import Article, Category, Tag

        Article.objects.all().delete()
        Tag.objects.all().delete()
        Category.objects.all().delete()


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "expected"), LAY_QUERIES)
def test_lay_query_finds_the_right_article_in_the_top_three(shipped_content, query, expected):
    top = [r.article.slug for r in search.search(query).results[:3]]
    assert expected in top, f"{query!r} gave {top}"


@pytest.mark.django_db
@pytest.mark.parametrize(("typo", "correction"), MISSPELT)
def test_misspellings_get_a_correction(shipped_content, typo, correction):
    assert search.search(typo).suggestion == correction

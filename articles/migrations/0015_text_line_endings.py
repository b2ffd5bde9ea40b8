"""Text saved from the admin before it read line endings as the importer stores them may hold
CRLF: stored as \n, as every save now does (the history and compare views then agree)."""

from django.db import migrations
from django.db.models import Q, Value
from django.db.models.functions import Replace

TEXT = {
    "article": [
        "title", "summary", "body", "see_a_doctor", "urgent_help", "emergency", "sources",
        "reviewed_by", "clinical_reviewer", "clinical_reviewer_profession",
    ],
    "category": ["name", "summary"],
    "tag": ["name", "aliases"],
}  # fmt: skip


def normalise(apps, schema_editor):
    for model_name, fields in TEXT.items():
        model = apps.get_model("articles", model_name)
        for name in fields:
            model.objects.filter(Q(**{f"{name}__contains": "\r"})).update(
                **{
                    name: Replace(
                        Replace(name, Value("\r\n"), Value("\n")), Value("\r"), Value("\n")
                    )
                }
            )


class Migration(migrations.Migration):
    dependencies = [("articles", "0014_clinical_review")]
    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]

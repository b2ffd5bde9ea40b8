"""The "Editors" group with the least permissions editing needs, and "Reviewers", who may also
say who reviewed an article and when. Neither can touch users or groups."""

from django.db import migrations

EDITORS = {
    "article": ["add", "change", "delete", "view"],
    "category": ["add", "change", "delete", "view"],
    "tag": ["add", "change", "delete", "view"],
    "jargonterm": ["add", "change", "delete", "view"],
    "searchquerylog": ["view"],
    "feedback": ["view", "delete"],
}


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally made after all migrations; this one needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for model, actions in EDITORS.items() for action in actions]
    editing = list(Permission.objects.filter(content_type__app_label="articles", codename__in=codenames))
    assert len(editing) == len(codenames), "a permission is missing"
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.set(editing)
    reviewers, _ = Group.objects.get_or_create(name="Reviewers")
    reviewers.permissions.set(
        editing + [Permission.objects.get(content_type__app_label="articles", codename="review_article")]
    )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Editors", "Reviewers"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_feedback_and_review_permission"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]

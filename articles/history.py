"""Revision history in the admin, on top of django-reversion: every save is a revision with who
and when (VersionAdmin), each revision can be restored (deleted objects too, from "Recover
deleted"), and any two revisions can be compared field by field."""

import difflib

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from reversion.errors import RevertError
from reversion.models import Version

from .concurrency import snapshot

HIDDEN = {"import_hash", "toc", "created_at", "updated_at"}


def _text(value):
    if isinstance(value, list | tuple):
        return "\n".join(str(v) for v in value)
    return "" if value is None else str(value)


def field_changes(older, newer):
    """[(label, [(kind, line), ...])] for each field that differs between two versions, where
    kind is "del", "add" or "same" (a line of context)."""
    model = newer._model
    before, after = (older.field_dict if older else {}), newer.field_dict
    changes = []
    for name in after:
        if name in HIDDEN or name.endswith("_html"):
            continue
        old, new = _text(before.get(name)), _text(after.get(name))
        if old == new:
            continue
        if name in {"tags", "related"}:
            old, new = _names(model, name, before.get(name)), _names(model, name, after.get(name))
        lines = []
        for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=1):
            if line.startswith(("---", "+++", "@@")):
                continue
            kind = {"-": "del", "+": "add"}.get(line[:1], "same")
            lines.append((kind, line[1:]))
        label = model._meta.get_field(name).verbose_name
        changes.append((label, lines))
    return changes


def _names(model, name, pks):
    related = model._meta.get_field(name).related_model
    return "\n".join(
        str(obj) for obj in related._default_manager.filter(pk__in=pks or []).order_by("pk")
    )


def restore(version, keep=()):
    """Put back this one object as the version saved it. Not its whole revision: an import
    saves every article in one revision, and restoring one article must not restore (and
    republish) the others. Tags and related articles deleted since are left out. The fields
    named in `keep` stay as they are now: those the editor may not change on the form (who
    reviewed an article, for an editor without the review permission)."""
    saved = version._object_version
    for name, pks in saved.m2m_data.items():
        related = version._model._meta.get_field(name).related_model._default_manager
        existing = set(related.filter(pk__in=pks).values_list("pk", flat=True))
        saved.m2m_data[name] = [pk for pk in pks if pk in existing]
    obj = saved.object
    if keep:
        live = version._model._default_manager.filter(pk=obj.pk).first()
        for field in obj._meta.concrete_fields:
            if live is not None and field.name in keep:
                setattr(obj, field.attname, getattr(live, field.attname))
    for field in obj._meta.concrete_fields:
        target = getattr(obj, field.attname) if field.many_to_one else None
        if target is None or field.related_model._default_manager.filter(pk=target).exists():
            continue
        # Its section (say) was deleted since: keep the one it has now, if it is still there.
        live = version._model._default_manager.filter(pk=obj.pk).first()
        if live is None:
            raise RevertError(
                f"“{version.object_repr}” cannot come back as it was: its "
                f"{field.verbose_name} no longer exists. Recreate it first, then try again."
            )
        setattr(obj, field.attname, getattr(live, field.attname))
    saved.save(using=version.db)


class _OneObjectRevision:
    """What django-reversion's restore view sees as `version.revision`: the revision, except
    that reverting it restores only the object being restored."""

    def __init__(self, version, keep):
        self._version, self._keep = version, keep

    def __getattr__(self, name):
        return getattr(self._version.revision, name)

    def revert(self, delete=False):
        restore(self._version, self._keep)


class _OneObjectVersion:
    def __init__(self, version, keep=()):
        self._version = version
        self.revision = _OneObjectRevision(version, keep)

    def __getattr__(self, name):
        return getattr(self._version, name)


class HistoryMixin:
    """For a VersionAdmin: a history page with a "changes" link per revision, and a page that
    compares any two revisions of one object. Restoring a revision restores that one object."""

    object_history_template = "admin/articles/object_history.html"

    def _reversion_revisionform_view(self, request, version, *args, **kwargs):
        # What the object is now, before the old revision is put in the form: a restore
        # saved over someone's later save is refused like any other out-of-date save.
        live = self.model._default_manager.filter(pk=version.object_id).first()
        keep = ()
        if live is not None:
            names = self.get_form(request, live)(instance=live)._guarded_names()
            request.restoring_over = snapshot(live, names)
            # A restore gives the editor no more say than the form does.
            keep = set(self.get_readonly_fields(request, live))
        return super()._reversion_revisionform_view(
            request, _OneObjectVersion(version, keep), *args, **kwargs
        )

    def history_view(self, request, object_id, extra_context=None):
        """Each row's "What changed" opens this object's own version of that revision (an
        import saves every article in one revision: its first version is another article)."""
        response = super().history_view(request, object_id, extra_context)
        actions = getattr(response, "context_data", {}).get("action_list")
        if actions:
            versions = self._reversion_order_version_queryset(
                request, Version.objects.get_for_object_reference(self.model, unquote(object_id))
            )
            for action, version in zip(actions, versions, strict=False):
                action["version"] = version
        return response

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        live = getattr(request, "restoring_over", None)
        if live is None:
            return form
        return type(form.__name__, (form,), {"live_snapshot": live})

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "<path:object_id>/history/compare/",
                self.admin_site.admin_view(self.compare_view),
                name=f"{info[0]}_{info[1]}_compare",
            ),
            *super().get_urls(),
        ]

    def compare_view(self, request, object_id):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        versions = list(
            Version.objects.get_for_object_reference(self.model, unquote(object_id))
            .select_related("revision__user")
            .order_by("-revision__date_created", "-pk")
        )
        by_id = {str(v.pk): v for v in versions}
        newer = by_id.get(request.GET.get("b", "")) or (versions[0] if versions else None)
        if newer is None:
            raise Http404("This object has no saved revisions yet.")
        older = by_id.get(request.GET.get("a", ""))
        if older is None and "a" not in request.GET:
            index = versions.index(newer)
            older = versions[index + 1] if index + 1 < len(versions) else None
        elif older is None:
            raise Http404("No such revision of this object.")
        if older and older.revision.date_created > newer.revision.date_created:
            older, newer = newer, older
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Changes to {newer.object_repr}",
            "object_id": object_id,
            "older": older,
            "newer": newer,
            "versions": versions,
            "changes": field_changes(older, newer),
        }
        return TemplateResponse(request, "admin/articles/compare.html", context)

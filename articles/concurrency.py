"""
No silent overwrite: when two editors open the same object and both save, the second save is
refused, the other editor's changes are shown, and the second editor's own text stays in the
form so they can merge by hand and save again.

The change form carries, in a signed hidden field, the values the editor started from. On save
the row is read again under a lock (SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE
transactions serialise writers) inside the admin's transaction: if it no longer matches, someone
else saved in between. This catches every save path (admin, import, shell), not only the admin.
"""

import difflib

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from reversion.models import Version

SALT = "kneeinfo.edit-base"
SHORT = 80  # values longer than this are shown as a line diff


def snapshot(instance, names):
    """The object's saved values for the given form fields, as JSON-able strings."""
    values = {}
    for name in names:
        field = instance._meta.get_field(name)
        if isinstance(field, models.ManyToManyField):
            values[name] = sorted(
                str(pk) for pk in getattr(instance, name).values_list("pk", flat=True)
            )
        else:
            values[name] = field.value_to_string(instance)
    return values


class GuardedModelForm(forms.ModelForm):
    edit_base = forms.CharField(widget=forms.HiddenInput, required=False)
    # On the form that restores an old revision (history.HistoryMixin), the form shows the old
    # values, but what the editor saves over is the object as it is: its snapshot, taken
    # before the old values were put back, is the base.
    live_snapshot = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Browsers send text areas with CRLF line endings: read them as the importer stores
        # text (\n, no surrounding blank space), or every save would "change" every field.
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and not isinstance(
                field.widget, forms.HiddenInput
            ):
                field.to_python = _normalised(field.to_python)
        if self.instance.pk and not self.is_bound:
            if self.live_snapshot is not None:
                self.initial["edit_base"] = self._dumps(self.live_snapshot)
            else:
                self.initial["edit_base"] = self._sign(self.instance)

    @property
    def changed_data(self):
        """What the editor changed: never the form's own bookkeeping (edit_base)."""
        return [name for name in super().changed_data if name != "edit_base"]

    def _guarded_names(self):
        return [
            name
            for name in self._meta.fields or self.fields
            if name in self.fields
            and name != "edit_base"
            and _is_model_field(self._meta.model, name)
        ]

    def _sign(self, instance):
        return self._dumps(snapshot(instance, self._guarded_names()))

    def _dumps(self, values):
        return signing.dumps(values, salt=SALT, compress=True)

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            return cleaned
        try:
            base = signing.loads(cleaned.get("edit_base") or "", salt=SALT)
        except signing.BadSignature:
            raise ValidationError(
                "This form is out of date or incomplete. Copy your changes somewhere safe, "
                "reload the page and apply them again."
            ) from None
        model = self._meta.model
        if self.live_snapshot is not None:
            current_object, current = self.instance, self.live_snapshot
        else:
            current_object = model._default_manager.select_for_update().get(pk=self.instance.pk)
            current = snapshot(current_object, self._guarded_names())
        changed = [name for name in current if current[name] != base.get(name)]
        if changed:
            # Start the next attempt from what is saved now, so that after merging by hand the
            # editor can save; the text they typed stays in the form as it was.
            data = self.data.copy()
            data[self.add_prefix("edit_base")] = self._dumps(current)
            self.data = data
            raise ValidationError(self._conflict_message(current_object, base, current, changed))
        return cleaned

    def _conflict_message(self, obj, base, current, changed):
        latest = Version.objects.get_for_object(obj).select_related("revision__user").first()
        who = ""
        if latest is not None:
            user = latest.revision.user
            name = (user.get_full_name() or user.get_username()) if user else "someone"
            when = timezone.localtime(latest.revision.date_created)
            who = format_html(" ({} at {})", name, when.strftime("%H:%M on %d %b %Y"))
        rows = format_html_join(
            "",
            "<li><strong>{}</strong>: {}</li>",
            (
                (self.fields[name].label or name, _describe(base.get(name, ""), current[name]))
                for name in changed
            ),
        )
        return format_html(
            "Someone else saved this {} while you were editing it{}. Your changes have "
            "<strong>not</strong> been saved and are still in the form below. Their changes, "
            "which are now saved:<ul>{}</ul>Merge the two by hand, then save again.",
            self._meta.model._meta.verbose_name,
            who,
            rows,
        )


def _normalised(to_python):
    def read(value):
        value = to_python(value)
        if isinstance(value, str):
            value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
        return value

    return read


def _is_model_field(model, name):
    try:
        field = model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - a form-only field
        return False
    return field.concrete or field.many_to_many


def _describe(before, after):
    if isinstance(before, list) or isinstance(after, list):
        return format_html("changed the selection ({} → {} items)", len(before), len(after))
    if len(before) <= SHORT and len(after) <= SHORT and "\n" not in before + after:
        return format_html("“{}” → “{}”", before, after)
    lines = difflib.unified_diff(
        before.splitlines(), after.splitlines(), "before", "now", lineterm="", n=1
    )
    return format_html('<pre class="conflict-diff">{}</pre>', "\n".join(list(lines)[2:]))

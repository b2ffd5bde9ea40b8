import json

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

# The same escapes as Django's json_script: no "</script>" can end the block early.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def json_ld(data):
    """A schema.org data block. Not script that runs, so it needs no CSP exception."""
    encoded = json.dumps(data, ensure_ascii=False, sort_keys=True).translate(_JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{encoded}</script>')  # noqa: S308

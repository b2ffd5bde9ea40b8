import json
from urllib.parse import urlencode

from django import template
from django.utils.safestring import mark_safe

from .. import structured_data

register = template.Library()

# The same escapes as Django's json_script: no "</script>" can end the block early.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def json_ld(data):
    """A schema.org data block. Not script that runs, so it needs no CSP exception."""
    encoded = json.dumps(data, ensure_ascii=False, sort_keys=True).translate(_JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{encoded}</script>')  # noqa: S308


@register.simple_tag(takes_context=True)
def canonical_url(context):
    """The one address of this page for search engines and shares: no tracking parameters,
    no `?page=1`, and on the search page only the (cleaned) query and its filters."""
    request = context.get("request")
    if request is None:
        return ""
    params = {}
    if context.get("query"):
        params["q"] = context["query"]
        for name in ("category", "tag"):
            if getattr(context.get(name), "slug", None):
                params[name] = context[name].slug
    page = context.get("page_obj")
    if page is not None and page.number > 1:
        params["page"] = page.number
    url = request.build_absolute_uri(request.path)
    return f"{url}?{urlencode(params)}" if params else url


@register.simple_tag(takes_context=True)
def website_json_ld(context):
    """The home page's WebSite block, with the site search."""
    request = context.get("request")
    return json_ld(structured_data.website_json_ld(request)) if request else ""

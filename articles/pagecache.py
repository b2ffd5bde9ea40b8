"""
Whole-page caching for the public pages, keyed by the content version (cache.py).

A health site is read far more than it is written and its pages change only when content does,
so a rendered page is kept until the next change: any save bumps the version and every cached
page stops matching at once. Responses carry ETag and Last-Modified (ConditionalGetMiddleware
answers conditional requests with 304) and a short public Cache-Control for a CDN.

Pages are stored by the view wrapper `cache_public_page` and served by `CachedPageMiddleware`,
which sits just inside GZip and ConditionalGet: a reader's request for a cached page skips
sessions, CSRF, authentication, URL routing and the view altogether.

Only anonymous GET and HEAD requests are served from or stored in the cache. A request with a
session cookie (an editor), or a response that sets a cookie or used a CSRF token, is never
stored and is marked private, so nothing personal is ever shared between readers.
"""

import gzip
import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.module_loading import import_string
from django.utils.text import compress_string

from . import cache as content_cache
from .cache import content_version

logger = logging.getLogger(__name__)

PAGE_TIMEOUT = 24 * 3600  # a page is kept until it is replaced; this only bounds memory
# While one request renders a page anew after a change, others get the page as it was before
# the change rather than all rendering it at once; if that render never finishes (a worker
# killed), the next request renders after this many seconds.
RENDER_LOCK_SECONDS = 10
ACCEPTS_GZIP = re.compile(r"\bgzip\b")


def _key(request):
    """One entry per URL, holding the content version it was rendered at: a change makes it
    stale rather than orphaned, so old versions never pile up in the cache."""
    url = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    return f"page:{hashlib.sha256(url.encode()).hexdigest()}"


def _has_session(request):
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def _storable(request, response):
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not request.META.get("CSRF_COOKIE_USED")
        and "private" not in response.get("Cache-Control", "")
    )


def _clock():
    return time.time_ns()


def _public(response, version):
    # Last-Modified has whole seconds: within the second of a save another save could follow
    # with the same date, and a client revalidating by date alone would keep the old page.
    # So it is given only once that second is over (the ETag always changes with the page).
    second = version // 1_000_000_000 if version is not None else None
    over = second is not None and second < _clock() // 1_000_000_000
    if over and not response.has_header("Last-Modified"):
        response["Last-Modified"] = http_date(second)
    patch_cache_control(response, public=True, max_age=settings.PAGE_CACHE_MAX_AGE)
    return response


def _private(response):
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _from_entry(request, entry):
    if ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        response = HttpResponse(entry["gzip"], content_type=entry["content_type"])
        response["Content-Encoding"] = "gzip"
        # As GZipMiddleware does: the compressed body is not byte-identical to the page.
        etag = entry["etag"]
        response["ETag"] = etag if etag.startswith("W/") else "W/" + etag
    else:  # the rare client that takes no gzip
        response = HttpResponse(gzip.decompress(entry["gzip"]), content_type=entry["content_type"])
        response["ETag"] = entry["etag"]
    patch_vary_headers(response, ("Accept-Encoding",))
    response["X-Page-Cache"] = "hit"
    return response


class _Recent:
    """With a shared cache (Redis), each worker also keeps the pages it served last in its own
    memory, so a popular page costs no round trip. An entry is only ever used for the content
    version it was rendered at, which every request checks, so this never serves a page
    older than the shared cache would."""

    def __init__(self, size=300):
        self.size, self.entries, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key, version):
        with self.lock:
            entry = self.entries.get(key)
            if entry is None or entry["version"] != version:
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, key, entry):
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


_recent = _Recent()


def _lookup(key, version=None):
    shared = not content_cache._per_process()
    if shared and version is not None:
        entry = _recent.get(key, version)
        if entry is not None:
            return entry
    try:
        entry = cache.get(key)
    except Exception:  # noqa: BLE001 - a cache outage must never take pages down
        logger.warning("cache unavailable; serving uncached", exc_info=True)
        return None
    if shared and entry is not None:
        _recent.put(key, entry)
    return entry


def _serve(request, entry):
    response = _from_entry(request, entry)
    if entry.get("on_hit"):
        import_string(entry["on_hit"])(request, entry.get("extra"))
    return _public(response, entry["version"])


def _release(key, version):
    try:
        cache.delete(f"{key}:rendering:{version}")
    except Exception:  # noqa: BLE001
        logger.warning("cache unavailable; render lock left to expire", exc_info=True)


def _rendering_elsewhere(key, version):
    """True when another request is already rendering this page for this version; otherwise
    this request takes the job (an atomic add, so exactly one does)."""
    try:
        return not cache.add(f"{key}:rendering:{version}", 1, RENDER_LOCK_SECONDS)
    except Exception:  # noqa: BLE001
        return False


def _cacheable_request(request):
    return request.method in ("GET", "HEAD") and not _has_session(request)


class CachedPageMiddleware:
    """Answers with a stored page before the rest of the stack runs. It goes after GZip and
    ConditionalGet (which still handle the answer) and before the session middleware. The
    headers inner middleware would add to a public page are added here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.PAGE_CACHE and _cacheable_request(request):
            version = content_version()
            key = _key(request)
            entry = _lookup(key, version) if version is not None else None
            if entry is not None and (
                entry["version"] == version or _rendering_elsewhere(key, version)
            ):
                response = _serve(request, entry)
                response["X-Frame-Options"] = settings.X_FRAME_OPTIONS
                if entry["version"] != version:
                    response["X-Page-Cache"] = "stale"  # for as long as one render takes
                return response
        return self.get_response(request)


def _forget(key):
    with _recent.lock:
        _recent.entries.pop(key, None)
    try:
        cache.delete(key)
    except Exception:  # noqa: BLE001
        logger.warning("cache unavailable; old page not removed", exc_info=True)


def cache_public_page(view, on_hit=None, params=(), timeout=PAGE_TIMEOUT):
    """Serve `view` from the page cache for anonymous readers.

    `on_hit(request, extra)` runs when a page comes from the cache, with whatever the view put
    in `response.page_cache_extra` (the search page uses it to count a search once).
    `params` are the query parameters the page reads: a request with any other is answered
    but not stored, so random query strings cannot fill the cache with copies of a page.
    `timeout` bounds how long a page is kept (search results: many, each seldom asked again).
    """
    allowed = set(params)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not _cacheable_request(request):
            return _private(view(request, *args, **kwargs))
        if not allowed.issuperset(request.GET):  # ?utm_source=…, ?x=random: not stored
            return _public(view(request, *args, **kwargs), None)
        version = content_version()
        if version is None or not settings.PAGE_CACHE:  # the cache is down: serve fresh
            return _public(view(request, *args, **kwargs), None)
        key = _key(request)
        entry = _lookup(key, version)
        if entry is not None and entry["version"] == version:
            return _serve(request, entry)
        try:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
        except Http404:
            # The page is gone (unpublished, deleted): its old copy must not be served as
            # "stale" to the readers who arrive while someone renders it again.
            _forget(key)
            raise
        finally:
            _release(key, version)  # whatever came of it: a 404 must not leave the old page
        if not _storable(request, response):
            if response.status_code in {404, 410}:
                _forget(key)  # as above, for a view that answers 404 itself
            return _private(response) if response.status_code == 200 else response
        response["ETag"] = f'"{hashlib.md5(response.content, usedforsecurity=False).hexdigest()}"'
        response["X-Page-Cache"] = "miss"
        entry = {
            # Kept compressed (a fifth of the size), and compressed once here rather than by
            # GZipMiddleware on every hit. Its random padding guards secrets in a page against
            # BREACH; a cached page holds none (no CSRF token, nothing personal: _storable).
            "gzip": compress_string(response.content),
            "content_type": response["Content-Type"],
            "etag": response["ETag"],
            "extra": getattr(response, "page_cache_extra", None),
            "on_hit": f"{on_hit.__module__}.{on_hit.__qualname__}" if on_hit else None,
            "version": version,
        }
        try:
            cache.set(key, entry, timeout)
        except Exception:  # noqa: BLE001
            logger.warning("cache unavailable; page not stored", exc_info=True)
        return _public(response, version)

    return wrapped

"""
Content-versioned caching.

Every change to an article, tag or category bumps one version number in the cache; keys built
with it stop matching at once, so nothing derived from content is ever served stale after a save.
The version is the time of the last change (nanoseconds), which also serves as the pages'
Last-Modified. A scheduled article needs no save to appear: the version remembers when the next
one is due and moves on by itself once that time has passed.
If the cache is down, values are computed afresh and the site keeps working.
"""

import logging
import time

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

VERSION_KEY = "content-version"
TIMEOUT = 300


def _next_publication():
    """When the next scheduled article goes live, as a timestamp, or None."""
    from .models import Article

    due = Article.objects.filter(
        status=Article.Status.PUBLISHED, published_at__gt=timezone.now()
    ).order_by("published_at")
    first = due.values_list("published_at", flat=True).first()
    return first.timestamp() if first else None


def _new_version():
    return (time.time_ns(), _next_publication())


def content_version():
    """The current version number, or None when the cache cannot be reached."""
    try:
        stored = cache.get(VERSION_KEY)
        if not isinstance(stored, tuple):
            cache.add(VERSION_KEY, _new_version(), timeout=None)
            stored = cache.get(VERSION_KEY)
        version, next_publication = stored
        if next_publication is not None and timezone.now().timestamp() >= next_publication:
            stored = _new_version()
            cache.set(VERSION_KEY, stored, timeout=None)
            version = stored[0]
        return version
    except Exception:  # noqa: BLE001 - a cache outage must never take pages down
        logger.warning("cache unavailable; serving uncached", exc_info=True)
        return None


def _bump():
    try:
        cache.set(VERSION_KEY, _new_version(), timeout=None)
    except Exception:  # noqa: BLE001
        logger.warning("cache unavailable; could not invalidate", exc_info=True)


def bump_content_version(**kwargs):
    """Invalidate now, and again when the transaction commits, so that a page rendered from
    the old data while the save was still in flight is not kept under the new version."""
    _bump()
    transaction.on_commit(_bump)


def cached_for_content(key, compute, timeout=TIMEOUT):
    version = content_version()
    if version is None:
        return compute()
    full_key = f"{key}:v{version}"
    try:
        value = cache.get(full_key)
    except Exception:  # noqa: BLE001
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(full_key, value, timeout)
        except Exception:  # noqa: BLE001
            logger.warning("cache unavailable; could not store %s", key, exc_info=True)
    return value

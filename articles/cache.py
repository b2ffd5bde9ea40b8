"""
Content-versioned caching.

Every change to an article, tag or category bumps one version number in the cache; keys built
with it stop matching at once, so nothing derived from content is ever served stale after a save.
The version is the time of the last change (nanoseconds), which also serves as the pages'
Last-Modified. A scheduled article needs no save to appear: the version remembers when the next
one is due and moves on by itself once that time has passed.
If the cache is down, values are computed afresh and the site keeps working.

With Redis the version lives there, shared by every worker on every host. Without it, each
worker process has a local memory cache of its own, so the version is also written to a small
file (settings.CONTENT_VERSION_FILE) that every worker reads on each request (a few
microseconds): a save handled by one worker invalidates the pages cached by all of them.
"""

import json
import logging
import os
import tempfile
import time

from django.conf import settings
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


def _per_process():
    return settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")


_from_file = {"text": None, "stored": None}


def _read_file():
    """The version in the shared file (parsed once per change), or None."""
    try:
        with open(settings.CONTENT_VERSION_FILE, encoding="ascii") as file:
            text = file.read()
    except OSError:
        return None
    if text != _from_file["text"]:
        try:
            version, next_publication = json.loads(text)
        except (ValueError, TypeError):
            return None  # torn or foreign: written again below
        _from_file.update(text=text, stored=(version, next_publication))
    return _from_file["stored"]


def _write_file(stored):
    path = settings.CONTENT_VERSION_FILE
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".version-")
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(json.dumps(list(stored)))
        os.replace(temporary, path)  # atomic: a reader sees the old version or the new one
        return True
    except OSError:
        logger.warning("could not write %s; using this process's cache only", path)
        return False


# A shared cache (Redis) is asked for the version at most every CONTENT_VERSION_RECHECK
# seconds per process, not on every request: a save elsewhere shows within that time, a save
# in this process at once.
_remembered = {"stored": None, "at": 0.0}
_clock = time.monotonic


def _load():
    if _per_process():
        stored = _read_file()
        if stored is None and _write_file(_new_version()):
            stored = _read_file()
        if stored is not None:
            return stored
    now = _clock()
    if (
        _remembered["stored"] is not None
        and now - _remembered["at"] < settings.CONTENT_VERSION_RECHECK
    ):
        return _remembered["stored"]
    stored = cache.get(VERSION_KEY)
    if not isinstance(stored, tuple):
        cache.add(VERSION_KEY, _new_version(), timeout=None)
        stored = cache.get(VERSION_KEY)
    _remembered.update(stored=stored, at=now)
    return stored


def _store(stored):
    _remembered.update(stored=None)
    if not (_per_process() and _write_file(stored)):
        cache.set(VERSION_KEY, stored, timeout=None)


def content_version():
    """The current version number, or None when the cache cannot be reached."""
    try:
        version, next_publication = _load()
        if next_publication is not None and timezone.now().timestamp() >= next_publication:
            stored = _new_version()
            _store(stored)
            version = stored[0]
        return version
    except Exception:  # noqa: BLE001 - a cache outage must never take pages down
        logger.warning("cache unavailable; serving uncached", exc_info=True)
        return None


def _bump():
    try:
        _store(_new_version())
    except Exception:  # noqa: BLE001
        logger.warning("cache unavailable; could not invalidate", exc_info=True)


def bump_content_version(**kwargs):
    """Invalidate now, and again when the transaction commits, so that a page rendered from
    the old data while the save was still in flight is not kept under the new version."""
    _bump()
    transaction.on_commit(_bump)


def cached_for_content(key, compute, timeout=TIMEOUT):
    """`compute()`, kept until the content changes. One entry per key, holding the version it
    was computed at (as the page cache does): a change makes it stale rather than orphaned,
    so entries of old versions never pile up in a worker's memory."""
    version = content_version()
    if version is None:
        return compute()
    try:
        stored = cache.get(key)
    except Exception:  # noqa: BLE001
        return compute()
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == version:
        return stored[1]
    value = compute()
    try:
        cache.set(key, (version, value), timeout)
    except Exception:  # noqa: BLE001
        logger.warning("cache unavailable; could not store %s", key, exc_info=True)
    return value

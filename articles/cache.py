"""
Content-versioned caching.

Every change to an article, tag or category bumps one version number in the cache; keys built
with it stop matching at once, so nothing derived from content is ever served stale after a save.
Entries also expire after `TIMEOUT` seconds, which bounds how late a scheduled article appears.
If the cache is down, values are computed afresh and the site keeps working.
"""

import logging
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)

VERSION_KEY = "content-version"
TIMEOUT = 300


def content_version():
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            version = time.time_ns()
            cache.add(VERSION_KEY, version, timeout=None)
            version = cache.get(VERSION_KEY, version)
        return version
    except Exception:  # noqa: BLE001 - a cache outage must never take pages down
        logger.warning("cache unavailable; serving uncached", exc_info=True)
        return None


def bump_content_version(**kwargs):
    try:
        cache.set(VERSION_KEY, time.time_ns(), timeout=None)
    except Exception:  # noqa: BLE001
        logger.warning("cache unavailable; could not invalidate", exc_info=True)


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

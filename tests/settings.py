"""Test settings: the real settings, with a fast password hasher and plain static storage."""

import os
import uuid

from kneeinfo.settings import *  # noqa: F403
from kneeinfo.settings import CACHES, STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if os.environ.get("REDIS_URL"):
    # A shared Redis (CI runs the suite against one): keep this run's keys to itself.
    CACHES["default"]["KEY_PREFIX"] = f"kneeinfo-test-{uuid.uuid4().hex[:8]}"

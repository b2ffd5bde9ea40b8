"""Test settings: the real settings, with a fast password hasher and plain static storage."""

import os
import tempfile
import uuid

from kneeinfo.settings import *  # noqa: F403
from kneeinfo.settings import CACHES, STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Static files come from the finders in tests; no collectstatic folder is needed.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

# Most tests look at a view's context; the page cache has tests of its own that switch it on.
PAGE_CACHE = False
# Searches are written to the log at once, so tests can look at it.
SEARCH_LOG_FLUSH_SECONDS = 0
# Logins in tests go through force_login; the lockout tests switch django-axes on.
AXES_ENABLED = False

if os.environ.get("REDIS_URL"):
    # A shared Redis (CI runs the suite against one): keep this run's keys to itself.
    CACHES["default"]["KEY_PREFIX"] = f"kneeinfo-test-{uuid.uuid4().hex[:8]}"

# This run's own content version file (see CONTENT_VERSION_FILE in the real settings).
CONTENT_VERSION_FILE = os.path.join(tempfile.gettempdir(), f"kneeinfo-test-{uuid.uuid4().hex}")
# Tests look at the shared cache on every request (the delay has a test of its own).
CONTENT_VERSION_RECHECK = 0

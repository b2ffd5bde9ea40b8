"""WSGI entry point: `gunicorn kneeinfo.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kneeinfo.settings")

application = get_wsgi_application()

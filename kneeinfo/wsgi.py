"""WSGI entry point: `gunicorn kneeinfo.wsgi`."""

import os
from pathlib import Path

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kneeinfo.settings")

application = get_wsgi_application()


def _warm_up():
    """Compile our templates and the URL map once, here: gunicorn loads this module before it
    forks (preload_app), so every worker starts with them instead of paying on its first
    requests. Touches no database."""
    from django.template.loader import get_template
    from django.urls import reverse

    folder = Path(__file__).resolve().parent.parent / "templates"
    for template in sorted(folder.rglob("*.html")):
        get_template(str(template.relative_to(folder)))
    reverse("articles:home")


_warm_up()

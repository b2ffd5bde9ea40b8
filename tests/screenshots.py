"""`make screenshots`: PNGs of the home page, an article, search results and the admin editor,
at desktop and phone widths, into docs/screenshots/. Uses a throw-away SQLite database with our
content, gunicorn on a free loopback port, and Debian's Chromium through Playwright."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"]
PAGES = [
    ("home", "/"),
    ("article", "/articles/sciatica-and-trapped-nerves/"),
    ("search", "/search/?q=pins+and+needles"),
    ("admin-editor", "/admin/articles/article/{article_id}/change/"),
]
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        sys.exit(f"screenshots: no Chromium at {CHROMIUM} (apt-get install chromium)")
    workdir = Path(tempfile.mkdtemp(prefix="kneeinfo-shots-"))
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "kneeinfo.settings",
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "2",
    }
    python = sys.executable

    def manage(*args):
        subprocess.run([python, "manage.py", *args], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip

    manage("migrate", "--noinput")
    manage("import_content", "articles/content")
    manage("collectstatic", "--noinput")
    session = subprocess.run(
        [python, "manage.py", "shell", "-c", SESSION_CODE],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    session_key, article_id = session.split()
    server = subprocess.Popen(
        [python, "-m", "gunicorn", "kneeinfo.wsgi", "-c", "gunicorn.conf.py"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for size_name, (width, height) in SIZES.items():
                context = browser.new_context(viewport={"width": width, "height": height})
                context.add_cookies([{"name": "sessionid", "value": session_key, "url": base}])
                page = context.new_page()
                for name, path in PAGES:
                    page.goto(base + path.format(article_id=article_id))
                    target = OUT / f"{name}-{size_name}.png"
                    page.screenshot(path=str(target), full_page=False)
                    print(f"saved {target.relative_to(ROOT)}")
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


SESSION_CODE = """
from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from articles.models import Article
user, _ = get_user_model().objects.get_or_create(
    username="screenshots", defaults={"is_staff": True, "is_superuser": True}
)
user.set_unusable_password(); user.save()
s = SessionStore()
s[SESSION_KEY] = str(user.pk); s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
s[HASH_SESSION_KEY] = user.get_session_auth_hash(); s.save()
print(s.session_key, Article.objects.get(slug="sciatica-and-trapped-nerves").pk)
"""

if __name__ == "__main__":
    main()

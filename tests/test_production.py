"""Production behaviour: the page cache and conditional GET, security headers, the admin login
lockout, request ids and structured logs, and what readers get when a service fails."""

import errno
import json
import logging
import shutil
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.core.cache import caches
from django.db import OperationalError, connection
from django.test import Client
from django.utils import timezone

from articles.models import Article, SearchQueryLog

from .factories import make_article, make_category, make_tag, make_user

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE = True


@pytest.fixture
def article():
    tag = make_tag(name="Tingling", slug="tingling", aliases="pins and needles")
    return make_article(title="Sciatica", slug="sciatica", tags=[tag])


def test_a_public_page_is_rendered_once_then_served_from_the_cache(client, page_cache, article):
    first = client.get("/articles/sciatica/")
    second = client.get("/articles/sciatica/")
    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]


def test_a_cached_page_is_sent_compressed_as_stored(client, page_cache, article):
    import gzip

    gz = {"Accept-Encoding": "gzip, deflate"}
    miss = client.get("/articles/sciatica/", headers=gz)
    hit = client.get("/articles/sciatica/", headers=gz)
    plain = client.get("/articles/sciatica/")
    assert miss["Content-Encoding"] == hit["Content-Encoding"] == "gzip"
    assert hit["X-Page-Cache"] == plain["X-Page-Cache"] == "hit"
    assert "Content-Encoding" not in plain
    assert gzip.decompress(hit.content) == gzip.decompress(miss.content) == plain.content
    assert "Accept-Encoding" in hit["Vary"] and "Accept-Encoding" in plain["Vary"]
    assert hit["ETag"] == "W/" + plain["ETag"]
    again = client.get("/articles/sciatica/", headers={**gz, "If-None-Match": hit["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("path", ["/", "/articles/sciatica/", "/search/?q=sciatica"])
def test_a_cached_page_has_the_headers_of_a_rendered_one(client, page_cache, article, path):
    gz = {"Accept-Encoding": "gzip"}
    miss, hit = client.get(path, headers=gz), client.get(path, headers=gz)
    assert (miss["X-Page-Cache"], hit["X-Page-Cache"]) == ("miss", "hit")
    skip = {"X-Page-Cache", "X-Request-ID", "Content-Length"}
    for name in set(miss.headers) - skip:
        assert hit.get(name) == miss[name], name
    assert set(hit.headers) - skip == set(miss.headers) - skip


def test_a_cached_page_costs_no_queries(client, page_cache, article, django_assert_num_queries):
    client.get("/articles/sciatica/")
    with django_assert_num_queries(0):
        assert client.get("/articles/sciatica/").status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda a: Article.objects.get(pk=a.pk).__class__, id="nothing"),
        pytest.param(
            lambda a: (setattr(a, "title", "Sciatica, updated"), a.save()), id="edit article"
        ),
        pytest.param(
            lambda a: (setattr(a.category, "name", "Renamed group"), a.category.save()),
            id="rename category",
        ),
        pytest.param(
            lambda a: a.tags.add(make_tag(name="Numbness", slug="numbness")), id="add tag"
        ),
        pytest.param(lambda a: a.tags.clear(), id="remove tags"),
        pytest.param(
            lambda a: (
                setattr(t := a.tags.get(), "aliases", "pins and needles\nfizzing"),
                t.save(),
            ),
            id="edit alias",
        ),
    ],
)
def test_every_content_change_invalidates_the_cached_page(client, page_cache, article, change):
    before = client.get("/articles/sciatica/")
    change(article)
    after = client.get("/articles/sciatica/")
    if after.content == before.content:
        assert after["X-Page-Cache"] == "hit"  # only when nothing changed
    else:
        assert after["X-Page-Cache"] == "miss"


def test_derived_values_follow_every_change_without_piling_up(client, article):
    """Related articles, the tag vocabulary and the search filters are cached until content
    changes; each is one entry that a change makes stale, not a new entry per change."""
    from django.core.cache.backends.locmem import LocMemCache

    cache = caches["default"]
    if not isinstance(cache, LocMemCache):
        pytest.skip("counts the entries of the local memory cache")
    other = make_article(title="Nerve pain", slug="nerve-pain", tags=list(article.tags.all()))
    client.get("/articles/sciatica/")
    client.get("/search/", {"q": "pins and needles"})
    entries = len(cache._cache)
    for n in range(5):
        other.title = f"Nerve pain {n}"
        other.save()
        response = client.get("/articles/sciatica/")
        assert f"Nerve pain {n}" in response.content.decode()  # related, recomputed
        client.get("/search/", {"q": "pins and needles"})
    assert len(cache._cache) == entries


def test_unpublishing_removes_the_page_at_once(client, page_cache, article):
    assert client.get("/articles/sciatica/").status_code == 200
    article.status = Article.Status.DRAFT
    article.save()
    assert client.get("/articles/sciatica/").status_code == 404
    assert b"Sciatica" not in client.get("/").content


def test_while_one_request_renders_a_changed_page_others_get_it_as_it_was(
    client, page_cache, article, monkeypatch
):
    from articles import pagecache

    client.get("/articles/sciatica/")
    article.summary = "Brand new summary."
    article.save()
    monkeypatch.setattr(pagecache, "_rendering_elsewhere", lambda key, version: True)
    during = client.get("/articles/sciatica/")
    assert during["X-Page-Cache"] == "stale"
    assert b"Brand new summary." not in during.content
    monkeypatch.undo()  # the render has finished: from now on, the new page
    after = client.get("/articles/sciatica/")
    assert after["X-Page-Cache"] == "miss" and b"Brand new summary." in after.content
    assert client.get("/articles/sciatica/")["X-Page-Cache"] == "hit"


def test_a_page_whose_render_fails_is_not_served_stale(client, page_cache, article):
    client.get("/articles/sciatica/")
    article.status = Article.Status.DRAFT
    article.save()
    for _ in range(3):  # each request renders (and releases the render lock): never the old page
        assert client.get("/articles/sciatica/").status_code == 404


def test_an_unpublished_page_is_not_served_stale_while_another_request_renders(
    client, page_cache, article, monkeypatch
):
    from articles import pagecache

    client.get("/articles/sciatica/")
    article.status = Article.Status.DRAFT
    article.save()
    assert client.get("/articles/sciatica/").status_code == 404  # this render finds it gone
    monkeypatch.setattr(pagecache, "_rendering_elsewhere", lambda key, version: True)
    assert client.get("/articles/sciatica/").status_code == 404  # not the old page as "stale"


def test_a_scheduled_article_appears_when_its_time_comes_without_a_save(
    client, page_cache, monkeypatch
):
    category = make_category(slug="nerves")
    make_article(title="Already here", category=category)
    soon = timezone.now() + timedelta(minutes=5)
    make_article(title="Coming soon", slug="coming-soon", published_at=soon, category=category)
    assert b"Coming soon" not in client.get("/topics/nerves/").content
    assert client.get("/topics/nerves/")["X-Page-Cache"] == "hit"
    later = soon + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert b"Coming soon" in client.get("/topics/nerves/").content
    assert client.get("/articles/coming-soon/").status_code == 200


def test_conditional_get_answers_304(client, page_cache, article, monkeypatch):
    from articles import pagecache

    later = time.time_ns() + 2_000_000_000  # the second of the last save is over
    monkeypatch.setattr(pagecache, "_clock", lambda: later)
    first = client.get("/articles/sciatica/")
    assert first.has_header("ETag") and first.has_header("Last-Modified")
    again = client.get("/articles/sciatica/", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    since = client.get("/articles/sciatica/", headers={"If-Modified-Since": first["Last-Modified"]})
    assert since.status_code == 304
    article.title = "Changed"
    article.save()
    changed = client.get("/articles/sciatica/", headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200


def test_two_saves_within_a_second_never_leave_a_stale_page_to_a_date_check(
    client, page_cache, article
):
    """Last-Modified has whole seconds; a client that revalidates with If-Modified-Since
    alone must get the new page after every save, however close together."""
    for n in range(3):
        first = client.get("/articles/sciatica/")
        if not first.has_header("Last-Modified"):  # the last save's second is not over yet
            time.sleep(1 - time.time() % 1 + 0.01)
            first = client.get("/articles/sciatica/")
        since = first["Last-Modified"]  # what a client would send back
        article.title = f"Changed {n}"
        article.save()
        again = client.get("/articles/sciatica/", headers={"If-Modified-Since": since})
        assert again.status_code == 200, n
        assert f"Changed {n}".encode() in again.content


def test_public_pages_may_be_kept_briefly_by_a_cdn(client, page_cache, article, settings):
    for url in ["/", "/articles/sciatica/", "/tags/", "/search/?q=knee", "/feed/"]:
        cache_control = client.get(url)["Cache-Control"]
        assert "public" in cache_control, url
        assert f"max-age={settings.PAGE_CACHE_MAX_AGE}" in cache_control, url


def test_static_files_have_hashed_names_kept_for_a_year_and_compressed(settings, tmp_path):
    from django.core.management import call_command
    from django.templatetags.static import static

    settings.STATIC_ROOT = tmp_path
    settings.WHITENOISE_USE_FINDERS = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    url = static("css/site.css")
    assert url != "/static/css/site.css"  # a content hash in the name
    response = Client().get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "max-age=31536000" in response["Cache-Control"]
    assert "immutable" in response["Cache-Control"]
    assert response["Content-Encoding"] in {"gzip", "br"}


def test_editors_pages_are_never_cached_or_shared(page_cache, article):
    editor = Client()
    editor.force_login(make_user(staff=True, superuser=True))
    page = editor.get("/articles/sciatica/")
    assert "private" in page["Cache-Control"]
    assert "X-Page-Cache" not in page
    admin = editor.get("/admin/articles/article/")
    assert "no-store" in admin["Cache-Control"] and "private" in admin["Cache-Control"]
    # A reader afterwards gets a fresh render, never the editor's page.
    assert Client().get("/articles/sciatica/")["X-Page-Cache"] == "miss"


def test_a_response_that_sets_a_cookie_is_not_stored(client, page_cache, article):
    with mock.patch("articles.views.ArticleDetailView.render_to_response") as render:
        from django.http import HttpResponse

        response = HttpResponse("personal")
        response.set_cookie("something", "1")
        render.return_value = response
        first = client.get("/articles/sciatica/")
    assert "private" in first["Cache-Control"]
    assert client.get("/articles/sciatica/")["X-Page-Cache"] == "miss"


def test_a_search_served_from_the_cache_is_still_counted(client, page_cache, article):
    client.get("/search/", {"q": "sciatica"})
    second = client.get("/search/", {"q": "sciatica"})
    assert second["X-Page-Cache"] == "hit"
    client.get("/search/", {"q": "sciatica", "page": "1"})  # pagination is not a new search
    assert SearchQueryLog.objects.get(query="sciatica").searches == 2


def test_security_headers_on_public_pages(client, article):
    response = client.get("/articles/sciatica/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_admin_may_use_inline_styles_but_never_inline_scripts(admin_client):
    csp = admin_client.get("/admin/")["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in csp
    assert "script-src 'self';" in csp + ";"
    # The policies are built once and reused: each kind of page keeps its own.
    for _ in range(2):
        assert "unsafe-inline" not in admin_client.get("/")["Content-Security-Policy"]
        assert "unsafe-inline" in admin_client.get("/admin/")["Content-Security-Policy"]


def test_admin_login_locks_out_after_repeated_failures(settings, db):
    settings.AXES_ENABLED = True
    make_user(staff=True, username="editor", password="the-right-password-1")
    client = Client(enforce_csrf_checks=True)

    def attempt(password):
        page = client.get("/admin/login/")
        token = page.cookies["csrftoken"].value
        return client.post(
            "/admin/login/",
            {"username": "editor", "password": password, "csrfmiddlewaretoken": token},
        )

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt("wrong").status_code == 200  # the form again, with an error
    locked = attempt("wrong")
    assert locked.status_code == 429
    assert b"Too many failed sign-ins" in locked.content
    # Now even the right password is refused until the lockout ends.
    assert attempt("the-right-password-1").status_code == 429
    assert "_auth_user_id" not in client.session


def test_behind_the_proxy_a_lockout_counts_per_reader_not_per_proxy(settings, db):
    """Every request reaches gunicorn from the proxy's address: five wrong passwords from one
    reader must not lock the editor out for everyone else."""
    settings.AXES_ENABLED = True
    settings.AXES_CLIENT_IP_CALLABLE = "kneeinfo.middleware.client_ip"
    make_user(staff=True, username="editor", password="the-right-password-1")

    def attempt(password, reader, forged=""):
        client = Client(
            enforce_csrf_checks=True,
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"{forged}{reader}",
        )
        token = client.get("/admin/login/").cookies["csrftoken"].value
        return client.post(
            "/admin/login/",
            {"username": "editor", "password": password, "csrfmiddlewaretoken": token},
        )

    for n in range(settings.AXES_FAILURE_LIMIT):
        # A new forged address each time does not get round the lockout either.
        attempt("wrong", "203.0.113.9", forged=f"10.0.0.{n}, ")
    assert attempt("the-right-password-1", "203.0.113.9").status_code == 429
    assert attempt("the-right-password-1", "198.51.100.7").status_code == 302  # someone else


def test_the_admin_path_is_configurable():
    code = "from django.urls import reverse; print(reverse('admin:index'))"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**_env(), "DJANGO_ADMIN_PATH": "editors-only/"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "/editors-only/"


def _env():
    import os

    return {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"} | {
        "DJANGO_SETTINGS_MODULE": "tests.settings"
    }


def test_oversized_request_bodies_are_refused_with_400(client, settings):
    body = "x=" + "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post("/admin/login/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400


def test_every_response_carries_a_request_id(client):
    generated = client.get("/healthz")["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "proxy-id-123"})["X-Request-ID"] == (
        "proxy-id-123"
    )
    hostile = client.get("/healthz", headers={"X-Request-ID": "<script>\n"})["X-Request-ID"]
    assert hostile != "<script>\n" and len(hostile) == 32


def test_logs_are_json_lines_with_the_request_id():
    from kneeinfo.logging import JsonFormatter
    from kneeinfo.middleware import RequestIdFilter, request_id

    token = request_id.set("abc12345")
    try:
        record = logging.LogRecord("kneeinfo", logging.WARNING, __file__, 1, "hi %s", ("x",), None)
        RequestIdFilter().filter(record)
    finally:
        request_id.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "hi x" and line["request_id"] == "abc12345"
    assert line["level"] == "WARNING" and line["time"].endswith("+00:00")


def test_no_debug_page_when_debug_is_off(client, settings):
    assert settings.DEBUG is False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content and b"Traceback" not in response.content


# --- Faults ----------------------------------------------------------------------------------


def test_database_unreachable_gives_a_friendly_503(client, article):
    down = OperationalError("could not connect to server: Connection refused")
    with mock.patch("django.db.backends.base.base.BaseDatabaseWrapper.cursor", side_effect=down):
        page = client.get("/articles/sciatica/")
        health = client.get("/healthz")
    assert page.status_code == 503
    assert b"briefly unavailable" in page.content and b"Traceback" not in page.content
    assert page["Retry-After"] == "30"
    assert health.status_code == 503


def test_pages_are_served_when_the_cache_is_unreachable(client, settings, article, caplog):
    settings.PAGE_CACHE = True
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    try:
        with caplog.at_level(logging.WARNING):
            for url in ["/", "/articles/sciatica/", "/search/?q=sciatica", "/tags/"]:
                assert client.get(url).status_code == 200, url
        assert "cache unavailable" in caplog.text
    finally:
        caches["default"].close()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_redis(port):
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    pytest.fail("redis-server did not start")


@pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is not installed")
def test_redis_stopped_mid_run_then_back(client, settings, article):
    port = _free_port()
    settings.PAGE_CACHE = True
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    redis = _start_redis(port)
    try:
        client.get("/articles/sciatica/")
        assert client.get("/articles/sciatica/")["X-Page-Cache"] == "hit"
        redis.terminate()
        redis.wait(5)
        stopped = client.get("/articles/sciatica/")
        assert stopped.status_code == 200 and "X-Page-Cache" not in stopped
        redis = _start_redis(port)
        client.get("/articles/sciatica/")
        assert client.get("/articles/sciatica/")["X-Page-Cache"] == "hit"  # resumed by itself
    finally:
        redis.terminate()
        redis.wait(5)
        caches["default"].close()


def _start_gunicorn(env, stderr=subprocess.DEVNULL):
    """The real server with this environment (static files collected first), once it listens."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env
    )
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "kneeinfo.wsgi", "-c", "gunicorn.conf.py"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
    )  # fmt: skip
    for _ in range(200):
        try:
            socket.create_connection((env["HOST"], int(env["PORT"])), 0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    return process


@pytest.fixture
def gunicorn_server(tmp_path):
    """The real server, on a free loopback port, against the test database."""
    import os
    import urllib.request

    port = _free_port()
    settings_dict = connection.settings_dict
    url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_"))}
    env |= {
        "DATABASE_URL": url,
        "DJANGO_SECRET_KEY": "x" * 10 + "-test-key-for-a-throwaway-server-only-0123456789",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "DJANGO_STATIC_ROOT": str(tmp_path),
    }
    process = _start_gunicorn(env, stderr=(tmp_path / "gunicorn.log").open("w"))

    def get(path):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as error:
            return error.code

    try:
        yield get
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
@pytest.mark.skipif(not (ROOT / ".venv/bin/gunicorn").exists(), reason="needs make install")
@pytest.mark.django_db(transaction=True)
def test_postgresql_restart_mid_run_needs_no_server_restart(gunicorn_server):
    """A database restart kills every connection. gunicorn keeps its persistent connections,
    so the health checks must notice the dead one and reconnect on the next request."""
    make_article(title="Sciatica", slug="sciatica")
    assert gunicorn_server("/articles/sciatica/") == 200
    assert gunicorn_server("/healthz") == 200
    ours = connection.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> %s",
            [ours],
        )
        assert cursor.fetchall(), "gunicorn held a persistent connection"
    assert gunicorn_server("/articles/sciatica/") == 200
    assert gunicorn_server("/healthz") == 200


def test_upload_when_the_disk_is_full_gives_a_clear_error(settings, tmp_path):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    buffer = BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    client = Client()
    client.force_login(make_user(superuser=True))  # may change articles
    full = OSError(errno.ENOSPC, "No space left on device")
    with mock.patch("django.core.files.storage.FileSystemStorage._save", side_effect=full):
        response = client.post(
            "/markdownx/upload/",
            {"image": SimpleUploadedFile("knee.png", buffer.getvalue(), "image/png")},
            headers={"X-Requested-With": "XMLHttpRequest"},
        )
    assert response.status_code == 507
    assert "could not be stored" in response.json()["image"][0]
    assert not any(tmp_path.rglob("*.png"))


SQLITE_CONCURRENCY = """
import threading, time, django
django.setup()
from django.core.management import call_command
from django.db import connection, transaction
from articles.models import Article, Category
call_command("migrate", verbosity=0)
category = Category.objects.create(name="Nerves", slug="nerves", summary="s")
Article.objects.create(title="Sciatica", slug="sciatica", category=category, summary="s",
    body="## Hi", status="published", see_a_doctor="- x")
errors, done = [], time.monotonic() + 2
def reader():
    try:
        while time.monotonic() < done:
            list(Article.objects.published().values_list("title", flat=True))
    except Exception as error:
        errors.append(repr(error))
    finally:
        connection.close()
def editor(n):
    try:
        while time.monotonic() < done:
            with transaction.atomic():
                article = Article.objects.get(slug="sciatica")
                article.summary = f"edited by {n} at {time.monotonic()}"
                article.save()
    except Exception as error:
        errors.append(repr(error))
    finally:
        connection.close()
threads = [threading.Thread(target=reader) for _ in range(4)]
threads += [threading.Thread(target=editor, args=(n,)) for n in range(2)]
[t.start() for t in threads]
[t.join() for t in threads]
print("errors:", errors)
"""


def test_sqlite_editors_saving_while_readers_read_never_hit_database_is_locked(tmp_path):
    """A real file database (the test database is in memory): readers and two editors at once."""
    env = _env() | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "kneeinfo.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", SQLITE_CONCURRENCY],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("errors: []"), result.stdout


def test_searches_are_written_to_the_log_in_batches(client, settings, article):
    from articles.search import search_log

    settings.SEARCH_LOG_FLUSH_SECONDS = 3600
    search_log.flush()
    client.get("/search/", {"q": "sciatica"})
    client.get("/search/", {"q": "Sciatica "})
    client.get("/search/", {"q": "pins and needles"})
    assert not SearchQueryLog.objects.exists()  # still in memory: no write per search
    search_log.flush()
    assert SearchQueryLog.objects.get(query="sciatica").searches == 2
    assert SearchQueryLog.objects.get(query="pins and needles").results == 1


SITE_SETUP = """
import sys, django
django.setup()
from django.core.management import call_command
from articles.models import Article, Category
if sys.argv[1] == "create":
    call_command("migrate", verbosity=0)
    category = Category.objects.create(name="Nerves", slug="nerves", summary="s")
    Article.objects.create(title="Sciatica", slug="sciatica", category=category, summary="v1",
        body="## Hi", status="published", see_a_doctor="- x")
else:
    article = Article.objects.get(slug="sciatica")
    article.summary = sys.argv[1]
    article.save()
"""


@pytest.mark.skipif(not (ROOT / ".venv/bin/gunicorn").exists(), reason="needs make install")
def test_a_save_reaches_every_worker_without_redis(tmp_path):
    """Without Redis each gunicorn worker caches pages in its own memory: a save made anywhere
    (here by another process, like an editor's request on another worker) must still reach
    every worker's cached pages within a second."""
    import urllib.request

    port = _free_port()
    env = {k: v for k, v in _env().items() if not k.startswith("REDIS_")} | {
        "DJANGO_SETTINGS_MODULE": "kneeinfo.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "DJANGO_SECRET_KEY": "x" * 10 + "-test-key-for-a-throwaway-server-only-0123456789",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "3",
    }
    env.pop("DJANGO_CONTENT_VERSION_FILE", None)

    def run(*args):
        subprocess.run([sys.executable, "-c", SITE_SETUP, *args], cwd=ROOT, env=env, check=True)

    run("create")
    server = _start_gunicorn(env)

    def summaries(times=30):
        seen = set()
        for _ in range(times):
            url = f"http://127.0.0.1:{port}/articles/sciatica/"
            with urllib.request.urlopen(url, timeout=10) as response:
                html = response.read().decode()
            seen |= {v for v in ("v1", "v2") if f">{v}<" in html or f'"{v}"' in html}
        return seen

    try:
        assert summaries() == {"v1"}  # and now cached by the workers that served it
        run("v2")
        time.sleep(0.2)
        assert summaries() == {"v2"}
    finally:
        server.terminate()
        server.wait(10)


def test_a_shared_cache_is_asked_for_the_version_at_most_once_a_second(settings, monkeypatch, db):
    """With Redis, another host's save reaches this process within CONTENT_VERSION_RECHECK
    seconds; a save made here is seen at once."""
    from django.core.cache import cache

    from articles import cache as content_cache

    settings.CONTENT_VERSION_RECHECK = 1.0
    monkeypatch.setattr(content_cache, "_per_process", lambda: False)
    clock = [1000.0]
    monkeypatch.setattr(content_cache, "_clock", lambda: clock[0])
    content_cache._bump()
    mine = content_cache.content_version()
    cache.set(content_cache.VERSION_KEY, (mine + 1, None), timeout=None)  # another host's save
    assert content_cache.content_version() == mine
    clock[0] += 1.01
    assert content_cache.content_version() == mine + 1
    content_cache._bump()  # a save in this process
    assert content_cache.content_version() > mine + 1


def test_with_a_shared_cache_workers_keep_recent_pages_only_for_their_version(
    client, page_cache, article, monkeypatch
):
    from django.core.cache import cache

    from articles import cache as content_cache

    monkeypatch.setattr(content_cache, "_per_process", lambda: False)  # as with Redis
    assert client.get("/articles/sciatica/")["X-Page-Cache"] == "miss"
    assert client.get("/articles/sciatica/")["X-Page-Cache"] == "hit"  # now also in memory
    from django.test import RequestFactory

    from articles.pagecache import _key

    cache.delete(_key(RequestFactory().get("/articles/sciatica/")))  # the shared copy goes
    assert client.get("/articles/sciatica/")["X-Page-Cache"] == "hit"  # this worker's copy
    article.summary = "A fresh summary."
    article.save()
    fresh = client.get("/articles/sciatica/")
    assert fresh["X-Page-Cache"] == "miss" and b"A fresh summary." in fresh.content


def test_a_database_that_never_answers_costs_seconds_and_a_503(client):
    """A PostgreSQL host that accepts the connection and then says nothing: /healthz answers
    503 within the connect timeout, not after gunicorn's 30 s worker timeout."""
    import importlib
    import os
    import socket

    from django.db.backends.postgresql.base import DatabaseWrapper

    from kneeinfo import settings as project_settings

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts, never answers
    port = listener.getsockname()[1]
    try:
        url = f"postgres://kneeinfo@127.0.0.1:{port}/x"
        with mock.patch.dict(os.environ, {"DATABASE_URL": url}):
            fresh = importlib.reload(project_settings).DATABASES["default"]
        assert fresh["OPTIONS"]["connect_timeout"] == 5  # what the site runs with
        options = {**fresh["OPTIONS"], "connect_timeout": 2}  # shorter, for the test
        hung = DatabaseWrapper(
            {**fresh, "OPTIONS": options, "TEST": {}, "TIME_ZONE": None, "AUTOCOMMIT": True,
             "ATOMIC_REQUESTS": False, "CONN_HEALTH_CHECKS": False}
        )  # fmt: skip
        started = time.monotonic()
        with mock.patch("articles.views.connection", hung):
            response = client.get("/healthz")
        assert response.status_code == 503
        assert time.monotonic() - started < 10
    finally:
        listener.close()
        importlib.reload(project_settings)


def test_random_query_strings_never_fill_the_page_cache(client, page_cache, article):
    """Each page is stored under the query parameters it reads; any other parameter gets the
    page, fresh, and nothing is kept for it."""
    assert client.get("/articles/sciatica/")["X-Page-Cache"] == "miss"
    assert client.get("/articles/sciatica/")["X-Page-Cache"] == "hit"
    for n in range(3):
        topic = f"/topics/{article.category.slug}/?y={n}"
        for url in [
            f"/articles/sciatica/?x={n}",
            f"/?utm_source={n}",
            f"/search/?q=a&j={n}",
            topic,
        ]:
            response = client.get(url)
            assert response.status_code == 200, url
            assert "X-Page-Cache" not in response, url  # answered, not stored
            assert "public" in response["Cache-Control"]
    # The parameters a page does read still key their own stored copies.
    assert client.get("/search/", {"q": "sciatica"})["X-Page-Cache"] == "miss"
    assert client.get("/search/", {"q": "sciatica"})["X-Page-Cache"] == "hit"
    assert client.get("/search/", {"q": "sciatica", "page": "1"})["X-Page-Cache"] == "miss"

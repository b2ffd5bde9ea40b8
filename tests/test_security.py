import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, env=None):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "kneeinfo.settings",
    "DJANGO_SECRET_KEY": "x7" * 10 + "q-P9_zL3mK8vT2wR5yB1nC6dF4gH0jS" + "a1b2c3d4e5",
    "DJANGO_ALLOWED_HOSTS": "kneeinfo.example",
    "DJANGO_HTTPS": "1",
}


def test_check_deploy_is_clean_with_production_variables():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_debug_is_off_by_default_and_a_weak_key_is_refused():
    code = "from django.conf import settings; print(settings.DEBUG)"
    env = {"DJANGO_SETTINGS_MODULE": "kneeinfo.settings"}
    result = run_manage("shell", "-c", code, env=env)
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr
    result = run_manage("check", env={**env, "DJANGO_SECRET_KEY": "changeme"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be at least 50" in result.stderr


def test_a_secret_key_is_generated_once_per_installation(tmp_path):
    from kneeinfo.settings import installation_secret_key

    path = tmp_path / "key"
    first = installation_secret_key(path)
    assert len(first) >= 50
    assert installation_secret_key(path) == first
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert installation_secret_key(tmp_path / "other") != first


@pytest.mark.django_db
def test_security_headers(client):
    response = client.get("/healthz")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"

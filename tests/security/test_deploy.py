"""Production settings as an auditor checks them: `check --deploy` clean, the headers sent, no traceback.

`check --deploy` runs in a subprocess with the environment a production deployment sets (see
.env.example and the README's "Production" section), so the settings module is evaluated exactly as
production evaluates it — not patched inside this test process.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import path

from tests.conftest import make_user

BASE_DIR = Path(settings.BASE_DIR)


def production_env(static_root: Path) -> dict[str, str]:
    """What a production deployment sets: DJANGO_ENV, a long random secret, its host, a database."""
    # Not the test run's own switches either: the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright.
    dropped = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(
        DJANGO_ENV="production",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="ipops.example.gov.cn",
        CSRF_TRUSTED_ORIGINS="https://ipops.example.gov.cn",
        DATABASE_URL=os.environ.get("DATABASE_URL") or "postgresql://ipops@127.0.0.1:5432/ipops",
        STATIC_ROOT=str(static_root),
    )
    return env


def fake_collectstatic(static_root: Path) -> None:
    """The manifest `collectstatic` leaves (every static file under its own name): production's storage
    reads it at start-up. Running collectstatic itself compresses 70 MB, which takes minutes here."""
    paths = {}
    for folder in settings.STATICFILES_DIRS:
        for f in Path(folder).rglob("*"):
            if f.is_file():
                rel = f.relative_to(folder).as_posix()
                paths[rel] = rel
    static_root.mkdir(parents=True, exist_ok=True)
    manifest = {"paths": paths, "version": "1.1", "hash": "test"}
    (static_root / "staticfiles.json").write_text(json.dumps(manifest))


def test_check_deploy_gives_no_warning_with_production_settings(tmp_path):
    fake_collectstatic(tmp_path / "static")
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=production_env(tmp_path / "static"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "WARNING" not in output, output
    assert "no issues" in output, output


def test_production_refuses_a_short_secret(tmp_path):
    fake_collectstatic(tmp_path / "static")
    env = production_env(tmp_path / "static") | {"SECRET_KEY": "x" * 40}
    done = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr


@pytest.mark.django_db
def test_every_page_carries_the_content_security_policy(client):
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    script_src = directives["script-src"].split()
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert any(s.startswith("'nonce-") for s in script_src) or script_src == ["'self'"]
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'self'"
    assert directives["form-action"] == "'self'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_an_inline_script_carries_the_nonce_of_its_response(client, qingdao):
    client.force_login(make_user(qingdao, "enterprise"))
    response = client.get(f"/{qingdao.slug}/assets/new/")
    assert response.status_code == 200
    nonce = response["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    html = response.content.decode()
    assert f'<script nonce="{nonce}">' in html
    # Every executable script is either a file of ours or carries the nonce; JSON data blocks need none.
    for tag in html.split("<script")[1:]:
        head = tag.split(">", 1)[0]
        assert "src=" in head or f'nonce="{nonce}"' in head or 'type="application/json"' in head, head


def test_no_template_has_an_inline_event_handler():
    """CSP refuses on*= attributes; behaviour goes through data attributes and static/ipops/app.js."""
    import re

    handler = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
    roots = [BASE_DIR / "templates", *BASE_DIR.glob("*/templates")]
    offenders = [
        f"{p.relative_to(BASE_DIR)}: {m.group(0)[:80]}"
        for root in roots
        for p in root.rglob("*.html")
        for m in handler.finditer(p.read_text())
    ]
    assert offenders == []


def boom(request):
    raise RuntimeError("secret internals: SELECT password FROM users")


urlpatterns = [path("boom/", boom)]
handler500 = "ipops.api.exceptions.server_error"  # the platform's handler, as ipops.urls names it


@pytest.mark.django_db
@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_a_server_error_shows_the_platforms_page_not_a_traceback():
    client = Client(raise_request_exception=False)
    response = client.get("/boom/", HTTP_ACCEPT="text/html")
    assert response.status_code == 500
    html = response.content.decode()
    assert "系统暂时出错" in html  # the platform's own page, Chinese first
    assert "Traceback" not in html and "secret internals" not in html and "RuntimeError" not in html


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_a_missing_page_shows_the_platforms_page(client):
    response = client.get("/no-such-page/", HTTP_ACCEPT="text/html")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Traceback" not in html and "URLconf" not in html
    assert "IPOps" in html


def test_make_run_serves_without_debug_pages():
    makefile = (BASE_DIR / "Makefile").read_text()
    assert "\nDEBUG ?= false\n" in makefile

"""/api/docs/ works with no internet: Swagger UI comes from the shop's own static files (drf-spectacular-sidecar,
pinned), in development and after a production collectstatic (issue 13, item 4). The browser proof is
frontend/e2e/api-docs.spec.mjs."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

ROOT = Path(__file__).resolve().parents[2]
ASSET = re.compile(r'(?:src|href)="([^"]+)"')


def assets(html: str) -> list[str]:
    return [url for url in ASSET.findall(html) if not url.startswith("#")]


def test_the_docs_page_loads_nothing_from_another_host(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    urls = assets(response.content.decode())
    assert any(url.endswith("swagger-ui-bundle.js") for url in urls), urls
    assert all(url.startswith("/static/drf_spectacular_sidecar/") for url in urls), urls
    for url in urls:
        assert finders.find(url.removeprefix("/static/")), f"{url} is not among the shop's static files"


# Runs in the production settings, after collectstatic: the page, then every asset it names, through whitenoise.
PROD_PROBE = """
import json, re, django
django.setup()
from django.test import Client
client = Client()
page = client.get("/api/docs/", secure=True)
urls = [u for u in re.findall(r'(?:src|href)="([^"]+)"', page.content.decode()) if not u.startswith("#")]
print(json.dumps({"status": page.status_code, "assets": {
    u: [r.status_code, r.get("Content-Type", "")] for u in urls for r in [client.get(u, secure=True)]}}))
"""


def test_production_serves_the_docs_assets_after_collectstatic(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ALIPAY_", "SECURE_", "WHITENOISE_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "luffycityapi.settings.prod", "VAR_DIR": str(tmp_path),
                "SECRET_KEY": "x7-" + "docs-offline-check-" * 3, "ALLOWED_HOSTS": "testserver",
                # the suite's own Redis: with none named, each subprocess would start an embedded server in tmp_path
                # and leave it running
                "REDIS_URL": settings.REDIS_URL})
    collect = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT,
                             env=env, capture_output=True, text=True, timeout=300)
    assert collect.returncode == 0, collect.stderr
    probe = subprocess.run([sys.executable, "-c", PROD_PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=120)
    assert probe.returncode == 0, probe.stderr
    result = json.loads(probe.stdout.strip().splitlines()[-1])

    assert result["status"] == 200
    scripts = [url for url in result["assets"] if url.endswith(".js")]
    assert len(scripts) >= 2, result  # the bundle and the standalone preset, hashed by the manifest storage
    for url, (status, content_type) in result["assets"].items():
        assert url.startswith("/static/drf_spectacular_sidecar/"), url
        assert status == 200, (url, status)
        assert content_type.split(";")[0] in ("text/javascript", "application/javascript", "text/css", "image/png"), \
            (url, content_type)

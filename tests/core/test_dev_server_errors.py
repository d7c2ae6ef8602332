"""The shop `make run` starts (gunicorn, settings.dev) answers API errors as the contract says — JSON
{errmsg, code} with a 4xx, never an HTML debug page or a traceback — and still serves the admin's static files and
the SPA through whitenoise. Started as a real subprocess with the dev settings (backbone/webproc.py), with no
collectstatic run into its fresh VAR_DIR, as on a first `make run --no-prepare` or an edited static file."""
import os

import pytest
import requests
from backbone.webproc import WebProcess

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

LEAKS = ("Traceback", "<html", "<!DOCTYPE", "urlpatterns", "URLconf", "DisallowedHost", "settings.py",
         "DEBUG = True")


def _assert_json_error(response, status, code=None):
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["Content-Type"].startswith("application/json"), response.headers["Content-Type"]
    body = response.json()
    assert set(body) >= {"errmsg", "code"} and body["errmsg"], body
    if code:
        assert body["code"] == code, body
    for leak in LEAKS:
        assert leak not in response.text, (leak, response.text[:500])


@pytest.fixture
def spa_dist(tmp_path):
    """A built SPA as `npm run build` leaves it: index.html and hashed assets."""
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text('<!doctype html><div id="app" data-spa="luffy"></div>')
    (dist / "assets" / "index-T3st.js").write_text("console.log('luffy');")
    return dist


def dev_shop(tmp_path, spa_dist, **env):
    """The dev web server with a fresh VAR_DIR (nothing collected into its STATIC_ROOT); DEBUG as the dev settings
    default it unless given."""
    return WebProcess(tmp_path / "web.log", settings_module="luffycityapi.settings.dev", unset=("DEBUG",),
                      env={"VAR_DIR": str(tmp_path / "var"), "FRONTEND_DIST": str(spa_dist), **env})


@pytest.fixture
def shop(tmp_path, spa_dist):
    with dev_shop(tmp_path, spa_dist) as proc:
        yield proc


def test_an_unknown_api_path_is_a_json_404(shop):
    _assert_json_error(requests.get(f"{shop.base}/api/nope/", timeout=10), 404, "not_found")
    _assert_json_error(requests.post(f"{shop.base}/api/orders/nope/deeper", timeout=10), 404, "not_found")


def test_a_bad_host_header_is_a_json_400_without_a_traceback(shop):
    response = requests.get(f"{shop.base}/api/health/", headers={"Host": "evil.example"}, timeout=10)
    _assert_json_error(response, 400, "bad_request")


def test_bad_input_is_still_a_json_4xx(shop):
    response = requests.post(f"{shop.base}/api/users/login/", data="{not json", timeout=10,
                             headers={"Content-Type": "application/json"})
    _assert_json_error(response, 400, "malformed_request")
    _assert_json_error(requests.get(f"{shop.base}/api/users/me/", timeout=10), 401, "not_authenticated")


def test_admin_static_files_and_the_spa_are_served(shop):
    css = requests.get(f"{shop.base}/static/admin/css/base.css", timeout=10)
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css") and css.text
    login = requests.get(f"{shop.base}/admin/login/", timeout=10)
    assert login.status_code == 200 and "/static/admin/css/base.css" in login.text
    index = requests.get(f"{shop.base}/courses/12", timeout=10)  # history-mode route → the SPA's index
    assert index.status_code == 200 and 'data-spa="luffy"' in index.text
    asset = requests.get(f"{shop.base}/assets/index-T3st.js", timeout=10)
    assert asset.status_code == 200 and "luffy" in asset.text
    assert requests.get(f"{shop.base}/static/admin/css/nope.css", timeout=10).status_code == 404


def test_debug_switched_on_still_answers_api_errors_as_json(tmp_path, spa_dist):
    """DEBUG=true (a developer's choice for Django's debug pages) must not change the API's contract."""
    with dev_shop(tmp_path, spa_dist, DEBUG="true") as shop:
        _assert_json_error(requests.get(f"{shop.base}/api/nope/", timeout=10), 404, "not_found")
        bad_host = requests.get(f"{shop.base}/api/health/", headers={"Host": "evil.example"}, timeout=10)
        _assert_json_error(bad_host, 400, "bad_request")
        css = requests.get(f"{shop.base}/static/admin/css/base.css", timeout=10)
        assert css.status_code == 200


def test_the_dev_settings_default_to_debug_off():
    import subprocess
    import sys

    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE")}
    env["DJANGO_SETTINGS_MODULE"] = "luffycityapi.settings.dev"
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    out = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"

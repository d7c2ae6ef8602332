"""The built SPA's hashed assets are cached for a year and served precompressed; unhashed files are not."""
import gzip

import pytest
from django.test import Client, override_settings

JS = b"console.log('luffy');" * 50
GZ = gzip.compress(JS, mtime=0)


@pytest.fixture
def dist(tmp_path):
    """A built SPA as `npm run build` leaves it: hashed assets with their .br/.gz copies beside them."""
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text('<!doctype html><div id="app"></div>')
    (dist / "favicon.svg").write_text("<svg/>")
    asset = dist / "assets" / "index-D3I8P_-F.js"
    asset.write_bytes(JS)
    (dist / "assets" / "index-D3I8P_-F.js.gz").write_bytes(GZ)
    (dist / "assets" / "index-D3I8P_-F.js.br").write_bytes(b"brotli bytes stand-in")
    return dist


@pytest.fixture
def client(dist, tmp_path):
    static = tmp_path / "static"
    (static / "admin").mkdir(parents=True)
    (static / "admin" / "base.0123456789ab.css").write_text("body{}")
    (static / "admin" / "base.css").write_text("body{}")
    # WhiteNoiseMiddleware reads its settings when a new handler loads the middleware: a new Client here.
    with override_settings(WHITENOISE_ROOT=dist, STATIC_ROOT=static, FRONTEND_DIST=dist):
        yield Client()


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_hashed_asset_is_immutable_for_a_year(client):
    response = client.get("/assets/index-D3I8P_-F.js")

    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"


@pytest.mark.parametrize("encoding, served", [("br", b"brotli bytes stand-in"), ("gzip", GZ)])
def test_a_hashed_asset_is_served_precompressed(client, encoding, served):
    response = client.get("/assets/index-D3I8P_-F.js", headers={"Accept-Encoding": f"{encoding}, deflate"})

    assert response["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response["Vary"]
    assert body(response) == served


def test_without_accept_encoding_the_plain_file_is_served(client):
    response = client.get("/assets/index-D3I8P_-F.js")

    assert "Content-Encoding" not in response
    assert body(response) == JS


def test_unhashed_files_are_revalidated_soon(client):
    favicon = client.get("/favicon.svg")
    index = client.get("/courses/1")

    assert favicon["Cache-Control"] == "max-age=60, public"
    assert index["Cache-Control"] == "no-cache"


def test_collectstatic_hashed_names_stay_immutable_and_plain_names_do_not(client):
    assert "immutable" in client.get("/static/admin/base.0123456789ab.css")["Cache-Control"]
    assert "immutable" not in client.get("/static/admin/base.css")["Cache-Control"]

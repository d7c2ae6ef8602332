"""Production's path for lesson videos, for real: deploy/'s nginx config (rendered as production renders it) in
front of the shop with LESSON_MEDIA_ACCEL_PREFIX set. The app checks the signed URL and answers X-Accel-Redirect;
nginx serves the bytes and the Range from its internal location, which no client can reach directly."""
import os
import shutil
import socket
import subprocess
import time

import pytest
import requests

from deploy.render_nginx import SAMPLE_VIDEOS, render

from .conftest import sample_bytes

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PORT = int(os.environ.get("LEARN_NGINX_TEST_PORT", "8823"))


@pytest.fixture
def nginx_front(live_server, tmp_path, monkeypatch, settings):
    if not shutil.which(NGINX):
        (pytest.fail if os.environ.get("CI") == "true" else pytest.skip)(
            "nginx is not installed (scripts/ensure-nginx.sh installs it)")
    from harness import cluster

    settings.LESSON_MEDIA_ACCEL_PREFIX = "/protected-media/"
    monkeypatch.setattr(cluster, "VAR", tmp_path)
    (tmp_path / "nginx").mkdir()
    site = tmp_path / "nginx" / "site.conf"
    site.write_text(render(listen=f"127.0.0.1:{PORT}", server_name="_", nodes=[live_server.url.split("//")[1]],
                           spa_root=str(tmp_path), static_root=str(tmp_path), lesson_media_root=str(SAMPLE_VIDEOS)))
    main = tmp_path / "nginx" / "nginx.conf"
    main.write_text(cluster.nginx_main_conf(site))
    process = subprocess.Popen([NGINX, "-c", str(main), "-p", str(tmp_path / "nginx")], stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", PORT), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{PORT}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.django_db(transaction=True)
def test_nginx_serves_the_range_after_the_apps_check(nginx_front, course_with_lessons):
    course, made = course_with_lessons()
    lessons = requests.get(f"{nginx_front}/api/courses/{course.id}/lessons/", timeout=10).json()["lessons"]
    url = nginx_front + lessons[0]["play_url"]
    data = sample_bytes("sample-1.webm")

    ranged = requests.get(url, headers={"Range": "bytes=100-199"}, timeout=10)
    assert ranged.status_code == 206 and ranged.content == data[100:200]
    assert ranged.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert "X-Accel-Redirect" not in ranged.headers
    whole = requests.get(url, timeout=10)
    assert whole.status_code == 200 and whole.content == data

    unsigned = requests.get(url.split("?")[0], timeout=10)
    assert unsigned.status_code == 403 and unsigned.json()["code"] == "media_unsigned"
    paid = requests.get(f"{nginx_front}/api/learn/lessons/{made[1].id}/media/?sig={url.split('sig=')[1]}", timeout=10)
    assert paid.status_code == 403
    # The internal location itself: not for clients.
    assert requests.get(f"{nginx_front}/protected-media/sample-1.webm", timeout=10).status_code == 404

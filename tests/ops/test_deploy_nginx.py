"""deploy/luffycity.nginx.conf, rendered as `make cluster` and production render it, is a config nginx accepts."""
import os
import shutil
import subprocess

import pytest

from deploy.render_nginx import render

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def test_render_fills_every_placeholder():
    text = render(listen="127.0.0.1:8910", server_name="_", nodes=["127.0.0.2:8000", "127.0.0.3:8000"],
                  spa_root="/srv/dist", static_root="/var/lib/luffycity/static/")
    assert "server 127.0.0.2:8000" in text and "server 127.0.0.3:8000" in text
    assert "alias /var/lib/luffycity/static/;" in text
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in text and "client_max_body_size" in text
    assert "@@" not in text.replace("Placeholders: @@NAME@@", "")


def test_nginx_accepts_the_cluster_config(tmp_path, monkeypatch):
    if not shutil.which(NGINX):
        # `make test` installs it first where it can (scripts/ensure-nginx.sh); in CI it must not vanish
        (pytest.fail if os.environ.get("CI") == "true" else pytest.skip)(
            "nginx is not installed (scripts/ensure-nginx.sh installs it)")
    from harness import cluster

    monkeypatch.setattr(cluster, "VAR", tmp_path)
    main = cluster.write_nginx_conf(str(tmp_path / "static"))
    result = subprocess.run([NGINX, "-t", "-c", str(main), "-p", str(tmp_path / "nginx")], capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 0, result.stderr

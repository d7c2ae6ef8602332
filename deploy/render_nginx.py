"""Render deploy/luffycity.nginx.conf: `python deploy/render_nginx.py --listen 80 --server-name shop.example.com
--node 10.0.0.2:8000 --node 10.0.0.3:8000 --spa-root /srv/luffycity/frontend/dist --static-root
/var/lib/luffycity/static --lesson-media-root /srv/luffycity/media/lessons > /etc/nginx/sites-enabled/luffycity.conf`.
`make cluster` renders it the same way."""
import argparse
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "luffycity.nginx.conf"
# The lesson videos nginx serves after the app's X-Accel-Redirect (LESSON_MEDIA_ROOT; default: the shipped samples).
SAMPLE_VIDEOS = Path(__file__).resolve().parents[1] / "luffycityapi" / "apps" / "learning" / "sample_videos"


def render(*, listen: str, server_name: str, nodes: list[str], spa_root: str, static_root: str,
           lesson_media_root: str = str(SAMPLE_VIDEOS)) -> str:
    """The site config with every @@placeholder@@ filled; an unfilled one is an error."""
    upstreams = "\n".join(f"    server {node} max_fails=1 fail_timeout=10s;" for node in nodes)
    text = TEMPLATE.read_text()
    for key, value in {"UPSTREAM_SERVERS": upstreams, "LISTEN": listen, "SERVER_NAME": server_name,
                       "SPA_ROOT": spa_root, "STATIC_ROOT": static_root.rstrip("/"),
                       "LESSON_MEDIA_ROOT": lesson_media_root.rstrip("/")}.items():
        text = text.replace(f"@@{key}@@", value)
    if "@@" in text.replace("Placeholders: @@NAME@@", ""):
        raise ValueError("an @@placeholder@@ is left unfilled")
    return text


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="80")
    parser.add_argument("--server-name", default="_")
    parser.add_argument("--node", action="append", required=True, help="host:port of an app node (repeat)")
    parser.add_argument("--spa-root", required=True)
    parser.add_argument("--static-root", required=True)
    parser.add_argument("--lesson-media-root", default=str(SAMPLE_VIDEOS), help="LESSON_MEDIA_ROOT of the app nodes")
    args = parser.parse_args(argv)
    sys.stdout.write(render(listen=args.listen, server_name=args.server_name, nodes=args.node,
                            spa_root=args.spa_root, static_root=args.static_root,
                            lesson_media_root=args.lesson_media_root))


if __name__ == "__main__":
    main()

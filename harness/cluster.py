"""`make cluster` (`python -m harness.cluster`): nginx on 127.0.0.1 (deploy/luffycity.nginx.conf, rendered) in front of two app nodes on
127.0.0.2 and 127.0.0.3, each its own gunicorn and Celery worker, one redbeat beat, sharing MariaDB database
luffycity_cluster and Redis db 1 (made fresh). Ctrl-C stops it all."""
import os
import time
from pathlib import Path

from deploy.render_nginx import render
from harness import stack as st
from luffycityapi.core.management.commands.runshop import web_command

NODES = {"node-a": "127.0.0.2", "node-b": "127.0.0.3"}
NODE_PORT = int(os.environ.get("CLUSTER_NODE_PORT", "8000"))
NGINX_PORT = int(os.environ.get("CLUSTER_PORT", "8910"))
NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
VAR = st.ROOT / "var" / "cluster"


def nginx_main_conf(site: Path) -> str:
    """A stand-alone nginx main file around the site config: everything nginx writes stays under var/cluster."""
    temp = VAR / "nginx"
    user = "user root;\n" if os.geteuid() == 0 else ""  # the worker reads the worktree's files
    return (f"{user}daemon off;\nworker_processes 2;\npid {temp}/nginx.pid;\nerror_log {temp}/error.log warn;\n"
            "events { worker_connections 1024; }\n"
            "http {\n  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n"
            f"  access_log {temp}/access.log;\n  client_body_temp_path {temp}/body;\n"
            f"  proxy_temp_path {temp}/proxy;\n  fastcgi_temp_path {temp}/fastcgi;\n"
            f"  uwsgi_temp_path {temp}/uwsgi;\n  scgi_temp_path {temp}/scgi;\n  include {site};\n}}\n")


def write_nginx_conf(static_root: str) -> Path:
    """deploy/'s site config for this cluster, and the main file that includes it."""
    (VAR / "nginx").mkdir(parents=True, exist_ok=True)
    site = VAR / "nginx" / "luffycity.conf"
    site.write_text(render(listen=f"127.0.0.1:{NGINX_PORT}", server_name="_",
                           nodes=[f"{ip}:{NODE_PORT}" for ip in NODES.values()],
                           spa_root=str(st.ROOT / "frontend" / "dist"), static_root=static_root))
    main = VAR / "nginx" / "nginx.conf"
    main.write_text(nginx_main_conf(site))
    return main


def node_env(env: dict, node: str) -> dict:
    """A node's environment: its own prometheus_client multiprocess directory, emptied."""
    metrics = VAR / node / "metrics"
    metrics.mkdir(parents=True, exist_ok=True)
    for stale in metrics.glob("*.db"):
        stale.unlink()
    return {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics)}


def start_node(node: str, env: dict) -> st.Stack:
    """One app node: gunicorn on its own loopback address and a Celery worker."""
    (VAR / node).mkdir(parents=True, exist_ok=True)
    node_stack = st.Stack(node_env(env, node), VAR / node)
    node_stack.start("web", web_command(f"{NODES[node]}:{NODE_PORT}", int(os.environ.get("CLUSTER_WEB_WORKERS", "2"))))
    node_stack.start("worker", [str(st.BIN / "celery"), "-A", "luffycityapi", "worker", "--concurrency", "2",
                                "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
                                "-n", f"{node}@%h"])
    return node_stack


def start(nodes: dict[str, st.Stack], shared: st.Stack, extra: dict | None = None) -> dict:
    """Prepare the database and Redis, then start both nodes (into `nodes`), the beat and nginx (into `shared`,
    whose env is set here); the environment. Filled as they start, so a stop during the start finds them."""
    database_url, redis_url = st.own_urls("cluster", 1)
    VAR.mkdir(parents=True, exist_ok=True)
    env = st.configure_environment(
        "cluster", NGINX_PORT, database_url, redis_url, NUM_PROXIES="1", ALIPAY_SANDBOX="true",
        ALLOWED_HOSTS=",".join(["127.0.0.1", "localhost", *NODES.values()]),
        METRICS_ALLOWED_IPS="127.0.0.1", VAR_DIR=str(VAR), PYTHONUNBUFFERED="1", **(extra or {}))
    st.prepare(database_url, suffix="_cluster", collectstatic=True)
    from django.conf import settings
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    for node in NODES:
        nodes[node] = start_node(node, env)
    shared.env = env
    shared.start("beat", [str(st.BIN / "celery"), "-A", "luffycityapi", "beat", "--loglevel", "WARNING",
                          "-s", str(VAR / "celerybeat-schedule")])
    shared.start("nginx", [NGINX, "-c", str(write_nginx_conf(str(settings.STATIC_ROOT))), "-p", str(VAR / "nginx")])
    for node, node_stack in nodes.items():
        node_stack.wait_ready(NODE_PORT, host=NODES[node])
    shared.wait_ready(NGINX_PORT)
    return env


def stop(nodes: dict[str, st.Stack], shared: st.Stack) -> None:
    shared.stop()
    for node_stack in nodes.values():
        node_stack.stop()


def main() -> None:
    st.exit_on_signals("cluster")
    nodes, shared = {}, st.Stack({}, VAR)
    try:
        start(nodes, shared)
        print(f"luffycity cluster is up: http://127.0.0.1:{NGINX_PORT}/ (nginx) -> "
              f"{', '.join(f'{n} {ip}:{NODE_PORT}' for n, ip in NODES.items())}; logs in {VAR}. Ctrl-C stops it.",
              flush=True)
        while True:
            for name, proc in [*shared.procs.items(), *((f"{n} {p}", x) for n, s in nodes.items()
                                                         for p, x in s.procs.items())]:
                if proc.poll() is not None:
                    raise SystemExit(f"cluster: {name} exited with {proc.returncode}")
            time.sleep(1)
    finally:
        stop(nodes, shared)
        print("luffycity cluster stopped.", flush=True)


if __name__ == "__main__":
    main()

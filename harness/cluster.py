"""`make cluster` (`python -m harness.cluster`): nginx on 127.0.0.1 (deploy/luffycity.nginx.conf, rendered) in front of two app nodes on
127.0.0.2 and 127.0.0.3, each its own gunicorn and Celery worker, one redbeat beat, sharing MariaDB database
luffycity_cluster and Redis db 1 (made fresh). Ctrl-C stops it all."""
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from deploy.render_nginx import render
from harness import stack as st
from luffycityapi.core.management.commands.runshop import web_command

NODES = {"node-a": "127.0.0.2", "node-b": "127.0.0.3"}
NODE_PORT = int(os.environ.get("CLUSTER_NODE_PORT", "8000"))
NGINX_PORT = int(os.environ.get("CLUSTER_PORT", "8910"))
NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
VAR = st.ROOT / "var" / "cluster"
# The access log names the node(s) nginx tried and what each answered: the cluster soak reads it to count the
# requests that reached a killed node and survived on the other one.
ACCESS_FORMAT = ('log_format upstreams \'$msec $request_method $status "$request_uri" up=[$upstream_addr] '
                 'upstatus=[$upstream_status] uplen=[$upstream_response_length]\';')


@dataclass
class Layout:
    """Where a cluster lives: its name (the database luffycity_<name>, made fresh), Redis db, VAR dir, ports, and
    the Celery log level. `make cluster` uses the defaults; the cluster soak its own."""
    name: str = "cluster"
    redis_db: int = 1
    var: Path = field(default_factory=lambda: VAR)
    nginx_port: int = field(default_factory=lambda: NGINX_PORT)
    node_port: int = field(default_factory=lambda: NODE_PORT)
    loglevel: str = "WARNING"


def nginx_main_conf(site: Path, layout: Layout | None = None) -> str:
    """A stand-alone nginx main file around the site config: everything nginx writes stays under the VAR dir."""
    temp = (layout or Layout()).var / "nginx"
    user = "user root;\n" if os.geteuid() == 0 else ""  # the worker reads the worktree's files
    return (f"{user}daemon off;\nworker_processes 2;\npid {temp}/nginx.pid;\nerror_log {temp}/error.log warn;\n"
            "events { worker_connections 1024; }\n"
            "http {\n  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n"
            f"  {ACCESS_FORMAT}\n  access_log {temp}/access.log upstreams;\n  client_body_temp_path {temp}/body;\n"
            f"  proxy_temp_path {temp}/proxy;\n  fastcgi_temp_path {temp}/fastcgi;\n"
            f"  uwsgi_temp_path {temp}/uwsgi;\n  scgi_temp_path {temp}/scgi;\n  include {site};\n}}\n")


def write_nginx_conf(static_root: str, layout: Layout | None = None) -> Path:
    """deploy/'s site config for this cluster, and the main file that includes it."""
    layout = layout or Layout()
    (layout.var / "nginx").mkdir(parents=True, exist_ok=True)
    site = layout.var / "nginx" / "luffycity.conf"
    site.write_text(render(listen=f"127.0.0.1:{layout.nginx_port}", server_name="_",
                           nodes=[f"{ip}:{layout.node_port}" for ip in NODES.values()],
                           spa_root=str(st.ROOT / "frontend" / "dist"), static_root=static_root))
    main = layout.var / "nginx" / "nginx.conf"
    main.write_text(nginx_main_conf(site, layout))
    return main


def node_env(env: dict, node: str, layout: Layout, *, fresh: bool = True) -> dict:
    """A node's environment: its own prometheus_client multiprocess directory, emptied unless the node restarts
    (then a dead process's counters stay in the node's sums, as a Prometheus server would keep them)."""
    metrics = layout.var / node / "metrics"
    metrics.mkdir(parents=True, exist_ok=True)
    for stale in metrics.glob("*.db") if fresh else ():
        stale.unlink()
    return {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics)}


def start_node(node: str, env: dict, layout: Layout | None = None, *, restart: int = 0) -> st.Stack:
    """One app node: gunicorn on its own loopback address and a Celery worker. A restart (1, 2, ...) keeps the
    node's metrics and logs to web.restart<n>.log / worker.restart<n>.log beside the first ones."""
    layout = layout or Layout()
    (layout.var / node).mkdir(parents=True, exist_ok=True)
    node_stack = st.Stack(node_env(env, node, layout, fresh=not restart), layout.var / node)
    suffix = f".restart{restart}" if restart else ""
    node_stack.start(f"web{suffix}", web_command(f"{NODES[node]}:{layout.node_port}",
                                                 int(os.environ.get("CLUSTER_WEB_WORKERS", "2"))))
    node_stack.start(f"worker{suffix}", worker_command(node, layout))
    return node_stack


def worker_command(node: str, layout: Layout) -> list[str]:
    """A node's Celery worker (2 processes)."""
    return [str(st.BIN / "celery"), "-A", "luffycityapi", "worker", "--concurrency", "2", "--loglevel",
            layout.loglevel, "--without-gossip", "--without-mingle", "-n", f"{node}@%h"]


def start(nodes: dict[str, st.Stack], shared: st.Stack, extra: dict | None = None, layout: Layout | None = None,
          seed=None) -> dict:
    """Prepare the database and Redis, then start both nodes (into `nodes`), the beat and nginx (into `shared`,
    whose env is set here); the environment. Filled as they start, so a stop during the start finds them.
    `seed` fills the fresh database (default: the demo shop)."""
    layout = layout or Layout()
    database_url, redis_url = st.own_urls(layout.name, layout.redis_db)
    layout.var.mkdir(parents=True, exist_ok=True)
    env = st.configure_environment(layout.name, layout.nginx_port, database_url, redis_url, **{
        "NUM_PROXIES": "1", "ALIPAY_SANDBOX": "true", "ALLOWED_HOSTS": ",".join(["127.0.0.1", "localhost", *NODES.values()]),
        "METRICS_ALLOWED_IPS": "127.0.0.1", "VAR_DIR": str(layout.var), "PYTHONUNBUFFERED": "1", **(extra or {})})
    st.prepare(database_url, suffix=f"_{layout.name}", collectstatic=True)
    from django.conf import settings
    from django.core.management import call_command

    if seed is None:
        call_command("seed_demo", verbosity=0)
    else:
        seed()
    for node in NODES:
        nodes[node] = start_node(node, env, layout)
    shared.env = env
    shared.start("beat", [str(st.BIN / "celery"), "-A", "luffycityapi", "beat", "--loglevel", layout.loglevel,
                          "-s", str(layout.var / "celerybeat-schedule")])
    shared.start("nginx", [NGINX, "-c", str(write_nginx_conf(str(settings.STATIC_ROOT), layout)),
                           "-p", str(layout.var / "nginx")])
    for node, node_stack in nodes.items():
        node_stack.wait_ready(layout.node_port, host=NODES[node])
    shared.wait_ready(layout.nginx_port)
    return env


def stop(nodes: dict[str, st.Stack], shared: st.Stack) -> None:
    shared.stop()
    for node_stack in nodes.values():
        node_stack.stop()


def main() -> None:
    st.exit_on_signals("cluster")
    nodes, shared = {}, st.Stack({}, Layout().var)
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

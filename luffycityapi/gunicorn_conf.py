"""gunicorn's configuration for the shop (`gunicorn -c python:luffycityapi.gunicorn_conf luffycityapi.wsgi`;
runshop uses it): its master, error and access logs go through the shop's logging (core/logconfig.py), so
LOG_FORMAT=json makes every line of the web server JSON too, and an access line at INFO carries no signed query
string."""
from luffycityapi.core.logconfig import logging_config

accesslog = "-"
# Behind nginx's upstream keepalive (deploy/luffycity.nginx.conf, 60 s idle) the server must keep an idle connection
# longer than the proxy does: with gunicorn's default 2 s, nginx writes a request into a connection gunicorn is
# closing and gets a reset, which it may not retry for a POST (`make cluster-soak` saw these 502s).
keepalive = 75
logconfig_dict = logging_config()


def child_exit(server, worker):
    """With PROMETHEUS_MULTIPROC_DIR (several workers), a dead worker's live gauges leave /metrics with it."""
    import os

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

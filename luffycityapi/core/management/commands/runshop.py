"""Start the whole shop in the foreground: web (gunicorn), Celery worker + beat, and (on the embedded stack)
the Redis server; Ctrl-C stops everything it started."""
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


def web_command(bind: str, workers: int) -> list[str]:
    """The web server's command line, as `make run` starts it (tests start the same one). No control socket:
    gunicorn's default one is a single path per user (~/.gunicorn/gunicorn.ctl), which two shops or a shop and
    the tests on one machine would fight over, and nothing here uses it."""
    return [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "luffycityapi.wsgi", "--bind", bind,
            "--config", "python:luffycityapi.gunicorn_conf",  # logs like the rest of the shop, access lines too
            "--workers", str(workers), "--threads", "4", "--timeout", "60", "--no-control-socket"]


class Command(BaseCommand):
    help = "Prepare (migrate, keys, demo data, static files) and run web + Celery worker/beat until Ctrl-C."
    requires_system_checks = []  # checked explicitly once the dev keys exist

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
        parser.add_argument("--no-prepare", action="store_true", help="skip migrate/keys/seed/collectstatic")

    def handle(self, *args, bind, workers, no_prepare, **options):
        if not no_prepare:
            call_command("alipay_keys")
            if settings.WECHATPAY_SANDBOX:
                call_command("wechatpay_keys")  # the merchant key, the sandbox's WeChat Pay key, the APIv3 key
            call_command("check")  # a missing or garbled Alipay key stops the start here, with its file named
            call_command("migrate", interactive=False, verbosity=0)
            call_command("seed_demo")
            call_command("collectstatic", interactive=False, verbosity=0)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE",
                                                                      "luffycityapi.settings.dev")}
        bin_dir = os.path.dirname(sys.executable)
        # Each in a process group of its own, so Ctrl-C (SIGINT to the terminal's whole foreground group) reaches
        # only this command, which stops each child once, through its master. Signalled directly as well, a
        # gunicorn gthread worker could take a second quit inside the first and hang there for good.
        children = [
            subprocess.Popen(web_command(bind, workers), env=env, process_group=0),
            subprocess.Popen([os.path.join(bin_dir, "celery"), "-A", "luffycityapi", "worker", "-B",
                              "--loglevel", "INFO", "--concurrency", "2",
                              "--schedule", str(settings.CELERY_BEAT_SCHEDULE_FILENAME)], env=env,
                             process_group=0),
        ]
        self.stdout.write(self.style.SUCCESS(
            f"luffycity is up: http://{bind}/  (admin /admin/, API docs /api/docs/). Ctrl-C stops it."))
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(child.pid, signal.SIGKILL)  # its workers too, not only the master
                    child.wait(timeout=5)
            if settings.EMBEDDED_REDIS:
                from luffycityapi.core.embedded_redis import stop_embedded_redis

                stop_embedded_redis(settings.EMBEDDED_REDIS_DIR)
            self.stdout.write("luffycity stopped.")
        failed = [c.args[0] for c in children if c.returncode not in (0, -signal.SIGTERM, None) and not stopping]
        if failed:
            raise SystemExit(f"stopped because a process exited: {failed}")

#!/usr/bin/env bash
# CI's production-install pass (.ci/run, pass 3/3), the README's Production section run for real: a fresh
# virtualenv in a temp dir with ONLY requirements.txt + requirements-mysql.txt (no dev requirements), then
# scripts/prod_install_check.py in it: settings.prod with real env values, check --deploy, migrate, collectstatic,
# gunicorn + Celery worker + beat on MariaDB (database luffycity_prodcheck, recreated) and Redis (db 12, flushed),
# a purchase paid through the local sandbox, no traceback in any log. Non-zero exit on any failure.
#   scripts/prod-install-check.sh          PRODCHECK_PORT=8810 to choose the port (default: a free one)
# pip uses its cache; the venv and VAR_DIR are deleted on exit, the logs stay in var/prodcheck/.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/luffy-prodcheck.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
mkdir -p var/prodcheck
start=$SECONDS

echo "prod-install-check: fresh virtualenv in $WORK/venv: pip install -r requirements.txt -r requirements-mysql.txt"
"$PYTHON" -m venv "$WORK/venv"
if ! timeout 900 "$WORK/venv/bin/pip" install -q -r requirements.txt -r requirements-mysql.txt \
     > var/prodcheck/pip.log 2>&1; then
  grep -v "is ignored: it is neither" var/prodcheck/pip.log | tail -30
  echo "prod-install-check: FAILED: pip install of the runtime requirements"
  exit 1
fi
echo "prod-install-check: installed in $((SECONDS - start)) s: $("$WORK/venv/bin/pip" freeze | wc -l) packages"

# Bounded: on timeout the driver gets SIGTERM and still stops every process it started.
status=0
timeout --kill-after=40 360 "$WORK/venv/bin/python" scripts/prod_install_check.py --work "$WORK" || status=$?
echo "prod-install-check: $([ "$status" = 0 ] && echo passed || echo "FAILED (exit $status)") in $((SECONDS - start)) s"
exit "$status"

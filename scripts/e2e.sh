#!/usr/bin/env bash
# Browser tests: start the whole shop (embedded stack, its own var/ folder, a short order timeout) on a spare
# port, run the Playwright specs in Debian's Chromium against it, and stop what this script started.
# Usage: scripts/e2e.sh [spec ...]   e.g. scripts/e2e.sh lost-return admin   (default: every e2e/*.spec.mjs)
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
scripts/ensure-chromium.sh
if [ ! -x "$CHROMIUM" ]; then
  msg="e2e: NOT RUN — $CHROMIUM is missing and could not be installed (needs root and apt: apt-get install chromium fonts-wqy-microhei)"
  echo "$msg"
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  exit 0
fi

SPECS=()
for name in "$@"; do
  name="${name##*/}"; name="${name%.spec.mjs}"
  [ -f "frontend/e2e/$name.spec.mjs" ] || { echo "e2e: no spec frontend/e2e/$name.spec.mjs"; exit 2; }
  SPECS+=("e2e/$name.spec.mjs")
done
if [ "${#SPECS[@]}" = 0 ]; then
  for file in frontend/e2e/*.spec.mjs; do SPECS+=("${file#frontend/}"); done
fi

PORT="${E2E_PORT:-8765}"
export VAR_DIR="$PWD/var/e2e" SITE_URL="http://127.0.0.1:$PORT" BIND="127.0.0.1:$PORT"
export ORDER_TIMEOUT_SECONDS="${E2E_ORDER_TIMEOUT_SECONDS:-45}" DJANGO_SETTINGS_MODULE=luffycityapi.settings.dev
export SANDBOX_NOTIFY_TIME_SCALE="${SANDBOX_NOTIFY_TIME_SCALE:-0.01}" DEBUG=false
unset DATABASE_URL REDIS_URL  # the browser tests run against the embedded stack
rm -rf "$VAR_DIR"
mkdir -p "$VAR_DIR" frontend/e2e-artifacts

.venv/bin/python manage.py runshop --workers 2 > "$VAR_DIR/shop.log" 2>&1 &
SHOP_PID=$!
cleanup() {
  kill -INT "$SHOP_PID" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$SHOP_PID" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$SHOP_PID" 2>/dev/null || true
}
trap cleanup EXIT

for _ in $(seq 1 120); do
  if curl -fsS "$SITE_URL/api/health/" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SHOP_PID" 2>/dev/null; then echo "e2e: the shop did not start"; tail -50 "$VAR_DIR/shop.log"; exit 1; fi
  sleep 0.5
done
curl -fsS "$SITE_URL/api/health/" >/dev/null || { echo "e2e: the shop is not healthy"; tail -50 "$VAR_DIR/shop.log"; exit 1; }

status=0
(cd frontend && E2E_BASE_URL="$SITE_URL" E2E_SHORT_TIMEOUT=1 E2E_ORDER_TIMEOUT_SECONDS="$ORDER_TIMEOUT_SECONDS" \
   CHROMIUM_PATH="$CHROMIUM" node --test --test-concurrency=1 --test-force-exit "${SPECS[@]}") || status=$?
if [ "$status" != 0 ]; then echo "e2e: failed; the shop's log:"; tail -80 "$VAR_DIR/shop.log"; fi
echo "e2e: screenshots in frontend/e2e-artifacts/"
exit "$status"

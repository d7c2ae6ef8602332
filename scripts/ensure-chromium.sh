#!/usr/bin/env bash
# Install Debian's Chromium (and the CJK font the pages need) when it is missing and we may: root with apt-get.
# Used before the Python tests (the admin screenshot) and the browser tests. Never fails by itself: the callers
# decide what a missing browser means (under CI=true, a failure).
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium and fonts-wqy-microhei"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei) >/dev/null \
    || echo "apt-get could not install chromium"
fi
exit 0

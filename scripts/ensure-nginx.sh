#!/usr/bin/env bash
# Install Debian's nginx (nginx-light) when it is missing and we may: root with apt-get. `make cluster` uses it.
NGINX="${NGINX:-/usr/sbin/nginx}"
if [ ! -x "$NGINX" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "installing Debian's nginx-light"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light) >/dev/null \
    || echo "apt-get could not install nginx-light"
fi
[ -x "$NGINX" ] || { echo "nginx is missing: apt-get install nginx-light"; exit 1; }

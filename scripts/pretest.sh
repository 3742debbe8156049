#!/usr/bin/env bash
# Ensures what the test suite needs beyond npm packages, the same way for a new user and for CI:
# a running local PostgreSQL, NATS and Redis, and Debian's Chromium. Installs or starts what it can; otherwise stops
# with one line naming the command that would provide it.
set -euo pipefail

can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }
apt_updated=0
apt_install() {
  if ! can_apt; then echo "pretest: missing $1: run 'sudo apt-get install -y $1'" >&2; exit 1; fi
  if [ "$apt_updated" = 0 ]; then apt-get update -qq >/dev/null; apt_updated=1; fi
  echo "pretest: installing $1 (Debian package)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
}

# PostgreSQL: the store contract suite and the scale-out tests run on a real server.
pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
if ! pg_up; then
  if ! ls /etc/postgresql >/dev/null 2>&1; then apt_install postgresql; fi
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "pretest: starting the local PostgreSQL cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_up && break; sleep 0.5; done
  if ! pg_up; then echo "pretest: PostgreSQL is not reachable on 127.0.0.1:5432: run 'pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start'" >&2; exit 1; fi
fi

# NATS (4222) and Redis (6379): the NATS bus and shared-limit tests. Started like PostgreSQL where the
# Debian service exists and is down; what still does not answer is named in one line (those tests fail under CI).
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ! up 6379 && [ -x /etc/init.d/redis-server ]; then echo "pretest: starting redis-server"; /etc/init.d/redis-server start >/dev/null 2>&1 || true; fi
if ! up 4222 && [ -x /etc/init.d/nats-server ]; then echo "pretest: starting nats-server"; /etc/init.d/nats-server start >/dev/null 2>&1 || true; fi
for _ in $(seq 1 20); do up 6379 && up 4222 && break; sleep 0.25; done
missing=""
up 4222 || missing="$missing NATS on 127.0.0.1:4222 (install nats-server and start it: nats-server -a 127.0.0.1 -p 4222);"
up 6379 || missing="$missing Redis on 127.0.0.1:6379 (sudo apt-get install -y redis-server; /etc/init.d/redis-server start);"
if [ -n "$missing" ]; then echo "pretest: missing:$missing the NATS bus and shared-limit tests will fail under CI=true" >&2; fi

# Chromium for the end-to-end tests (never a browser download: Debian's package).
if [ ! -x /usr/bin/chromium ]; then apt_install chromium; fi

# The web app the end-to-end tests open.
npm run --silent build:web

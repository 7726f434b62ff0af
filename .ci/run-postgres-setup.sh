#!/usr/bin/env bash
# Makes sure a PostgreSQL server (15, Debian's package) is installed for the storage tests, which
# start their own throw-away server (test/support/postgres.ts): no service is started here.
# Idempotent: does nothing when initdb is already there.
set -euo pipefail

have_server() {
  local bindir
  bindir="$(pg_config --bindir 2>/dev/null || true)"
  [[ -n "$bindir" && -x "$bindir/initdb" && -x "$bindir/pg_ctl" ]] && return 0
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

if have_server; then
  echo "postgresql server binaries present: $(pg_config --version 2>/dev/null || ls -d /usr/lib/postgresql/*/bin)"
  exit 0
fi

SUDO=''
if [[ "$(id -u)" != 0 ]]; then SUDO='sudo'; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
# postgresql-15 brings initdb/pg_ctl/postgres under /usr/lib/postgresql/15/bin; postgresql-common
# would create and start a default cluster, which the tests do not need: it is stopped below.
$SUDO apt-get install -y --no-install-recommends postgresql-15 postgresql-client-15
if command -v pg_ctlcluster >/dev/null 2>&1; then $SUDO pg_ctlcluster 15 main stop 2>/dev/null || true; fi
have_server || { echo "postgresql-15 installed but initdb not found" >&2; exit 1; }
echo "installed: $(pg_config --version 2>/dev/null || ls -d /usr/lib/postgresql/*/bin)"

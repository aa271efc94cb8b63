# Shared by the scripts: finding and installing PostgreSQL, and the cargo target directory.
# shellcheck shell=bash

# Builds go to a cache outside the clone, so fresh clones build incrementally.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ferrodon-target}"

# Prints the directory holding initdb, pg_ctl and postgres, or nothing.
pg_bindir() {
  local dir real
  for dir in $(command -v pg_ctl 2>/dev/null | xargs -r dirname) \
             "$(pg_config --bindir 2>/dev/null || true)" \
             $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -n "$dir" ] || continue
    real=$(dirname "$(readlink -f "$dir/pg_ctl" 2>/dev/null || echo "$dir/pg_ctl")")
    if [ -x "$real/initdb" ] && [ -x "$real/pg_ctl" ] && [ -x "$real/postgres" ]; then
      echo "$real"
      return 0
    fi
  done
  return 1
}

# Installs the PostgreSQL server from the distribution when it is missing (Debian/Ubuntu).
ensure_postgres() {
  if pg_bindir >/dev/null; then
    return 0
  fi
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "PostgreSQL server binaries are missing: install them (Debian/Ubuntu: sudo apt-get install postgresql)" >&2
    exit 1
  fi
  echo "installing PostgreSQL (apt-get)..." >&2
  # ferrodon runs its own clusters: the package's default cluster is not wanted.
  mkdir -p /etc/postgresql-common
  if ! grep -q '^create_main_cluster' /etc/postgresql-common/createcluster.conf 2>/dev/null; then
    echo 'create_main_cluster = false' >> /etc/postgresql-common/createcluster.conf
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
  pg_bindir >/dev/null || { echo "PostgreSQL was installed but its binaries were not found" >&2; exit 1; }
}

# Runs a command as the postgres system user when we are root (PostgreSQL refuses root).
as_pg_user() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Checks that cargo is there; rustup cannot be fetched for you.
ensure_cargo() {
  if ! command -v cargo >/dev/null; then
    echo "cargo is missing: install Rust 1.95 or newer (https://rustup.rs) and try again" >&2
    exit 1
  fi
}

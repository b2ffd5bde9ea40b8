#!/usr/bin/env bash
# Search benchmark on a throw-away SQLite database, and on PostgreSQL when it answers.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export DJANGO_STATIC_ROOT="$work/static"  # the pages need their hashed static file names
DATABASE_URL="sqlite:///$work/static.sqlite3" $PY manage.py collectstatic --noinput -v0
echo "| engine | measurement | median | p95 | |"
echo "|---|---|---|---|---|"
DJANGO_ALLOWED_HOSTS=testserver DATABASE_URL="sqlite:///$work/bench.sqlite3" $PY bench/search.py
if $PY -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; then
  $PY - <<'PY'
import psycopg
with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
    c.execute("DROP DATABASE IF EXISTS kneeinfo_bench")
    c.execute("CREATE DATABASE kneeinfo_bench")
PY
  DJANGO_ALLOWED_HOSTS=testserver DATABASE_URL="postgres://postgres@127.0.0.1:5432/kneeinfo_bench" $PY bench/search.py
  $PY -c "import psycopg; psycopg.connect('postgresql://postgres@127.0.0.1:5432/postgres', autocommit=True).execute('DROP DATABASE kneeinfo_bench')"
fi

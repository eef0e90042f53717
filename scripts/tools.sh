#!/usr/bin/env bash
# Installs the pinned test and deploy tools into the repo's git-ignored virtualenv
# (.tools/venv). Idempotent: re-runs only when the pin file changed.
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

if [ -f "$stamp" ] && cmp -s "$pins" "$stamp"; then
  exit 0
fi

echo "tools.sh: installing pinned tools into .tools/venv" >&2
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$pins"
cp "$pins" "$stamp"

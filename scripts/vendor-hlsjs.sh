#!/usr/bin/env bash
# The page's one third-party script, hls.js, is committed (handlers/assets/vendor/): status-api
# embeds it in its binary, so `cargo build` needs no npm step and no network. This script
# installs the version pinned by handlers/assets/vendor/package-lock.json (npm ci checks the
# package's sha512) into .tools/hlsjs and compares the committed build and licence with the
# package's, byte for byte; `--update` copies them instead (after changing the pin with
# `npm install --package-lock-only hls.js@<version>` in that folder).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
vendor="$root/handlers/assets/vendor"
work="$root/.tools/hlsjs"

if ! command -v npm >/dev/null 2>&1; then
  echo "vendor-hlsjs.sh: npm not found; install Node.js 20 or newer with npm" >&2
  exit 1
fi
if ! { [ -f "$work/.lock" ] && cmp -s "$vendor/package-lock.json" "$work/.lock"; }; then
  rm -rf "$work"
  mkdir -p "$work"
  cp "$vendor/package.json" "$vendor/package-lock.json" "$work/"
  (cd "$work" && npm ci --silent --no-audit --no-fund --ignore-scripts)
  cp "$vendor/package-lock.json" "$work/.lock"
fi

package="$work/node_modules/hls.js"
pairs=("$package/dist/hls.light.min.js:$vendor/hls.light.min.js" "$package/LICENSE:$vendor/LICENSE")
status=0
for pair in "${pairs[@]}"; do
  from=${pair%%:*}
  to=${pair#*:}
  if [ "${1:-}" = "--update" ]; then
    cp "$from" "$to"
  elif ! cmp -s "$from" "$to"; then
    echo "vendor-hlsjs.sh: ${to#"$root"/} differs from the pinned package's $(basename "$from"); run scripts/vendor-hlsjs.sh --update" >&2
    status=1
  fi
done
if [ "$status" -eq 0 ]; then
  echo "vendor-hlsjs.sh: hls.js $(node -p "require('$package/package.json').version") matches the lock file"
fi
exit "$status"

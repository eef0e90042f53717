#!/usr/bin/env bash
# The page's one third-party script, hls.js, is committed (handlers/assets/vendor/): status-api
# embeds it in its binary, so `cargo build` needs no npm step and no network. scripts/tools.sh
# installs the version pinned by handlers/assets/vendor/package-lock.json (npm ci checks the
# package's sha512) into .tools/hlsjs; this script compares the committed build and licence
# with the package's, byte for byte; `--update` copies them instead (after changing the pin
# with `npm install --package-lock-only hls.js@<version>` in that folder, and tools.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
vendor="$root/handlers/assets/vendor"
work="$root/.tools/hlsjs"

if ! { [ -f "$work/.lock" ] && cmp -s "$vendor/package-lock.json" "$work/.lock"; }; then
  echo "vendor-hlsjs.sh: the pinned hls.js is not installed in .tools/hlsjs; run scripts/tools.sh" >&2
  exit 1
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

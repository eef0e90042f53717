#!/usr/bin/env bash
# Measures the three handler binaries as Lambda runs them (fresh processes on a local Runtime
# API stub, DynamoDB and S3 on moto): cold start, warm wall and CPU time per event, peak RSS.
# Prints a table per moto server; asserts nothing.
#
#   scripts/bench-handlers.sh [--cold N] [--events N] [--moto closing|keep-alive|both] [--only NAME]
#
# Before/after: keep a copy of the binaries before a change (cp target/release/{create-job,
# job-state,status-api} /tmp/before), then, after it,
#   scripts/bench-handlers.sh --moto keep-alive --against /tmp/before --events 300 --rounds 9
# runs one warm process of each build side by side, taking turns (B is the copy), and prints
# each one's median CPU per event: separate runs of one binary differ by up to a fifth on a
# shared virtual machine, turns do not.
#
# --moto (default both): "closing" is moto's own server, which closes the connection after every
# answer, so each AWS call pays a new TCP connection; "keep-alive" is the same moto with a
# request handler that keeps connections open. AWS's endpoints keep connections alive and the
# SDK reuses them across a warm Lambda environment's invocations, so the keep-alive table is the
# one closer to Lambda (which adds TLS on top: a handshake per new connection, as on a cold start).
#
# What is measured are the release binaries (`cargo build --release`, the profile the Lambda
# zips use, for this machine's architecture). The harness (handlers/benches/cold_start.rs) is
# built in the test profile on purpose: `cargo bench` would unify the dev-dependencies'
# features (the SDK's test utilities) into a second release build of the whole AWS SDK and
# overwrite target/release's binaries with it. The harness only queues events and reads
# timestamps; the handlers' own cost is measured in their processes.
#
# To see where a handler's CPU goes, build a copy with symbols and profile the bench under perf:
#   CARGO_PROFILE_RELEASE_STRIP=false CARGO_PROFILE_RELEASE_DEBUG=line-tables-only \
#     cargo build --release -p handlers --bins --target-dir target/profiling
#   perf record -F 2000 --call-graph dwarf,8192 -o perf.data -- target/debug/deps/cold_start-<hash> \
#     --bin-dir target/profiling/release --cold 1 --events 1500 --moto keep-alive
#   perf report -i perf.data --comms create-job --percentage relative --no-children --stdio
# (the harness binary is the one `cargo test -p handlers --bench cold_start --no-run` names).
#
# The build runs under `nice`: it is long and the machine is usually shared.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/tools.sh

nice -n 10 cargo build --release -p handlers --bins
nice -n 10 cargo test -p handlers --bench cold_start --no-run
cargo test -p handlers --bench cold_start -- --bin-dir "${CARGO_TARGET_DIR:-$root/target}/release" "$@"

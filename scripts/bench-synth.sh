#!/usr/bin/env bash
# Times the synth binary against a bare process start (/bin/true) over many runs and prints
# mean, median and p95 wall time for both, plus peak resident memory. Asserts nothing.
#
#   scripts/bench-synth.sh [RUNS]        (default 200)
#
# Both commands are started the same way (fork+exec from one Python harness, output to
# /dev/null), so the difference of the two is what synth itself costs. Peak RSS comes from
# GNU time (`apt-get install time` if /usr/bin/time is missing).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
runs=${1:-200}
case $runs in '' | *[!0-9]*) echo "bench-synth: RUNS must be a number, got '$runs'" >&2; exit 2 ;; esac

nice -n 10 cargo build --release -p synth --quiet
binary=$root/target/release/synth

python=$(command -v python3 || true)
[ -n "$python" ] || python=$root/.tools/venv/bin/python
[ -x "$python" ] || { echo "bench-synth: needs python3 (or run scripts/tools.sh)" >&2; exit 1; }

[ -x /usr/bin/time ] || { echo "bench-synth: needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 1; }

"$python" - "$runs" "$binary" <<'PY'
import statistics, subprocess, sys, time

runs, synth = int(sys.argv[1]), sys.argv[2]

def measure(cmd):
    samples = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
        samples.append((time.perf_counter_ns() - start) / 1e6)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * len(samples))) - 1)]
    return statistics.fmean(samples), statistics.median(samples), p95

def peak_rss_kib(cmd):
    # GNU time's %M: the command's own maximum resident set, in KiB.
    out = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True, check=True)
    return int(out.stderr.strip().splitlines()[-1])

measure([synth])  # warm the page cache once
rows = [("/bin/true", ["/bin/true"]), ("synth (YAML)", [synth]), ("synth --format json", [synth, "--format", "json"])]
print(f"{runs} runs each; wall time per run in ms (process start to exit)")
print(f"{'command':<22}{'mean':>9}{'median':>9}{'p95':>9}{'peak RSS':>12}")
for name, cmd in rows:
    mean, median, p95 = measure(cmd)
    print(f"{name:<22}{mean:>9.3f}{median:>9.3f}{p95:>9.3f}{peak_rss_kib(cmd):>8} KiB")
PY

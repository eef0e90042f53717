#!/usr/bin/env bash
# Measures the local stack (`cargo run -p local`) as a user meets it and prints the figures;
# asserts nothing:
#   start     from starting the binary to its "ready" line (moto with the template deployed,
#             the three functions, the stand-ins), the handler binaries already built;
#   memory    resident memory (RSS) of the local process and every process under it (moto,
#             the three functions, ffmpeg), idle after start and the most seen during a job;
#   a job     from the end of the presigned PUT of a 10 s 1280x720 clip to the API's COMPLETE,
#             polling GET /jobs/{jobId} every 100 ms (the job's own status interval, 10 s).
#
#   scripts/bench-local.sh [SECONDS] [WIDTHxHEIGHT]     (default 10 1280x720)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${1:-10}
size=${2:-1280x720}
venv=$root/.tools/venv
[ -x "$venv/bin/python" ] || {
  echo "bench-local.sh: .tools/venv is missing: run scripts/tools.sh" >&2
  exit 1
}
cargo build -q -p local -p handlers --bins
exec "$venv/bin/python" - "$root/target/debug/local" "$seconds" "$size" <<'EOF'
import json, os, signal, subprocess, sys, tempfile, threading, time, urllib.parse, urllib.request

binary, seconds, size = sys.argv[1], int(sys.argv[2]), sys.argv[3]
user, password = "bench@example.com", "Bench-Passw0rd-1"


def rss_kib(pid):
    """VmRSS of pid and every process below it."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total


import imageio_ffmpeg

scratch = tempfile.mkdtemp()
clip = os.path.join(scratch, "clip.mp4")
subprocess.run(
    [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
     "-f", "lavfi", "-i", f"testsrc=size={size}:rate=30:duration={seconds}",
     "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
     "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", clip],
    check=True,
)
video = open(clip, "rb").read()

started = time.monotonic()
proc = subprocess.Popen(
    [binary, "--no-build", "--api-port", "0", "--auth-port", "0", "--playback-port", "0",
     "--stack-name", f"bench-{os.getpid()}", "--user", f"{user}:{password}"],
    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
)
printed = {}
for line in proc.stdout:
    parts = line.split()
    if len(parts) >= 3 and parts[0] == "local:":
        printed.setdefault(parts[1], parts[2])
    if line.startswith("local: ready"):
        break
else:
    sys.exit("bench-local.sh: the local stack did not start")
ready = time.monotonic() - started
threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
time.sleep(1)
idle = rss_kib(proc.pid)

try:
    auth = urllib.request.Request(
        printed["moto"],
        data=json.dumps({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": printed["client-id"],
                         "AuthParameters": {"USERNAME": user, "PASSWORD": password}}).encode(),
        headers={"X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
                 "Content-Type": "application/x-amz-json-1.1",
                 "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/cognito-idp/aws4_request"})
    token = json.load(urllib.request.urlopen(auth))["AuthenticationResult"]["IdToken"]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def api(method, path, body=None):
        req = urllib.request.Request(printed["api"] + path, method=method, headers=headers,
                                     data=json.dumps(body).encode() if body is not None else None)
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, None

    status, upload = api("POST", "/uploads", {"fileName": "bench.mp4", "size": len(video)})
    assert status == 201, status
    put = urllib.request.Request(upload["uploadUrl"], data=video, method="PUT", headers=upload["headers"])
    urllib.request.urlopen(put).read()
    uploaded = time.monotonic()
    peak, job_id, job = idle, None, {}
    while time.monotonic() - uploaded < 600:
        peak = max(peak, rss_kib(proc.pid))
        if job_id is None:
            status, latest = api("GET", "/jobs?inputFile=" + urllib.parse.quote(upload["inputFile"], safe=""))
            job_id = latest["jobId"] if status == 200 else None
        else:
            status, job = api("GET", f"/jobs/{job_id}")
            if status == 200 and job["status"] in ("COMPLETE", "ERROR"):
                break
        time.sleep(0.1)
    done = time.monotonic() - uploaded
finally:
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)

print(f"local stack start (to ready):      {ready:6.1f} s")
print(f"memory, idle after start (RSS):    {idle / 1024:6.0f} MiB (local, moto, 3 functions)")
print(f"memory, most seen during the job:  {peak / 1024:6.0f} MiB (with ffmpeg)")
print(f"upload -> {job.get('status')} ({seconds} s {size}): {done:6.1f} s, {len(video) / 1e6:.1f} MB, source {job.get('widthPx')}x{job.get('heightPx')}")
EOF

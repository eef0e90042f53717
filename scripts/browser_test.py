"""The front end in a real headless Chromium (Debian's, driven by the pinned Playwright)
against the local stack (`cargo run -p local`, issue 9): sign in through the hosted-UI
stand-in, upload a 2 s clip that ffmpeg makes here, record every value the transcoding bar
shows (never decreasing, ends at 100), play it (the video's currentTime passes 1 s, so the
AES-128 key was fetched with the user's token and decryption worked), an unreadable upload
shows the error, a wrong file type is refused before any upload, a running transcode is
canceled, a finished video is deleted after its confirmation (and kept when declined), and
another user's videos are not listed. Pushed progress (through `local --test-hooks`): the time
from each publish to the bar's change printed as figures (not asserted), the fallback to
polling when the socket is dropped, another user's channel refused. Screenshots of each state
go to target/browser-test/ (git-ignored).

Usage: .tools/venv/bin/python scripts/browser_test.py [--local PATH_TO_LOCAL_BINARY]
       [--url URL]   (a stack already running, signing in without a form: debugging)
Prints "browser: N passed, N failed" and exits non-zero on any failure.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from checks import Checks

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "target" / "browser-test"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
USERS = {"alice": ("alice@example.com", "Correct-Horse-42"), "bob": ("bob@example.com", "Battery-Staple-42")}
# The bar's values, recorded in the page by a MutationObserver and kept across reloads.
RECORDER = """
(() => {
  const key = 'test.bar';
  const push = (v) => {
    const values = JSON.parse(sessionStorage.getItem(key) || '[]');
    if (values[values.length - 1] !== v) { values.push(v); sessionStorage.setItem(key, JSON.stringify(values)); }
    // Each change with its wall-clock time (ms since the epoch, as the events stand-in's
    // receive times are), for the push latency.
    const times = JSON.parse(sessionStorage.getItem(key + '.times') || '[]');
    if (!times.length || times[times.length - 1].v !== v) {
      times.push({ v, t: performance.timeOrigin + performance.now() });
      sessionStorage.setItem(key + '.times', JSON.stringify(times));
    }
  };
  const watch = () => {
    const bar = document.getElementById('job-bar');
    if (!bar) return;
    new MutationObserver(() => push(Number(bar.getAttribute('aria-valuenow'))))
      .observe(bar, { attributes: true, attributeFilter: ['aria-valuenow'] });
  };
  document.addEventListener('DOMContentLoaded', watch);
})();
"""


def fail_setup(message):
    print(f"browser_test: {message}", file=sys.stderr)
    sys.exit(2)


def ffmpeg():
    try:
        import imageio_ffmpeg
    except ImportError:
        fail_setup("imageio-ffmpeg is missing: run scripts/tools.sh")
    return imageio_ffmpeg.get_ffmpeg_exe()


PART = 16 * 1024 * 1024  # the API's part size (handlers/src/domain/multipart.rs)


def padded(clip, folder, name, parts):
    """The clip followed by a top-level MP4 `free` box, so the file is `parts` parts long and
    still plays: players and ffmpeg skip free boxes."""
    data = clip.read_bytes()
    pad = (parts - 1) * PART + 1024 * 1024 - len(data)
    out = folder / name
    out.write_bytes(data + pad.to_bytes(4, "big") + b"free" + bytes(pad - 8))
    return out


def part_number(url):
    m = re.search(r"[?&]partNumber=(\d+)", url)
    return int(m.group(1)) if m else None


def plays(page):
    """Starts the player (muted) and answers whether it plays past 1 s."""
    page.evaluate("() => { const v = document.getElementById('video'); v.muted = true; return v.play().catch(e => String(e)); }")
    try:
        page.wait_for_function("() => document.getElementById('video').currentTime > 1", timeout=60000)
        return True
    except Exception as e:  # noqa: BLE001 - reported as the check's detail
        print(f"     playback: {e}")
        return False


def uploaded(page, name):
    """Waits until the page's upload of `name` has ended at 100%."""
    page.wait_for_function(f"() => document.getElementById('upload-name').textContent === {name!r}"
                           " && document.getElementById('upload-bar').getAttribute('aria-valuenow') === '100'"
                           " && document.getElementById('cancel').disabled", timeout=120000)


def multipart_checks(page, folder, clip, c):
    """A file of several parts: uploaded in parallel, a failed part retried, a reload resumed
    without re-sending what S3 holds, a cancel that aborts; the first one plays."""
    puts = []  # (part number, status) of every part PUT the browser saw answered
    page.on("response", lambda r: puts.append((part_number(r.url), r.status))
            if r.request.method == "PUT" and part_number(r.url) else None)
    failed_once = []

    def fail_part_2_once(route):
        if part_number(route.request.url) == 2 and not failed_once:
            failed_once.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()
    parts_route = lambda url: "partNumber=" in url  # noqa: E731
    page.route(parts_route, fail_part_2_once)
    big = padded(clip, folder, "big.mp4", 3)
    page.set_input_files("#file", str(big))
    uploaded(page, "big.mp4")
    page.unroute(parts_route)
    sent = sorted(n for n, status in puts if status == 200)
    c.check("a 3-part upload sends each part once it is confirmed", sent == [1, 2, 3], str(puts))
    c.check("a part failed on purpose is retried", failed_once and sent.count(2) == 1, str(failed_once))
    c.check("the upload bar ends at 100% after a multipart upload",
            page.get_attribute("#upload-bar", "aria-valuenow") == "100")
    page.wait_for_function("() => document.getElementById('job-state').textContent === 'complete'", timeout=240000)
    page.wait_for_selector("#player:not([hidden])", timeout=30000)
    c.check("the multipart upload plays", plays(page))

    # A reload mid-upload: parts 1 and 2 reach S3, the rest are held, the page reloads and the
    # same file is chosen again: only the parts S3 does not hold go up.
    resume = padded(clip, folder, "resume.mp4", 5)
    held = []
    hold_after_2 = lambda route: held.append(route) if part_number(route.request.url) > 2 else route.continue_()  # noqa: E731
    page.route(parts_route, hold_after_2)
    puts.clear()
    page.set_input_files("#file", str(resume))
    # Parts 1 and 2 of 65 MiB: 49%.
    page.wait_for_function("() => document.getElementById('upload-name').textContent === 'resume.mp4'"
                           " && Number(document.getElementById('upload-bar').getAttribute('aria-valuenow')) >= 49",
                           timeout=60000)
    before = sorted(n for n, status in puts if status == 200)
    bar_before = int(page.get_attribute("#upload-bar", "aria-valuenow"))
    # Reloaded with parts 3-5 still held, so none of them reaches S3 before the reload.
    page.reload()
    page.wait_for_selector("#file", state="attached", timeout=30000)
    page.unroute(parts_route)
    for route in held:
        try:
            route.abort()
        except Exception:  # noqa: BLE001 - the reload dropped it
            pass
    puts.clear()
    page.evaluate("""() => { window.testUploadBar = []; const bar = document.getElementById('upload-bar');
        new MutationObserver(() => window.testUploadBar.push(Number(bar.getAttribute('aria-valuenow'))))
          .observe(bar, { attributes: true, attributeFilter: ['aria-valuenow'] }); }""")
    page.set_input_files("#file", str(resume))
    uploaded(page, "resume.mp4")
    bars = page.evaluate("() => window.testUploadBar")
    after = sorted(n for n, status in puts if status == 200)
    c.check("before the reload parts 1 and 2 were confirmed", before == [1, 2], str(before))
    c.check("after the reload only parts 3-5 are sent", after == [3, 4, 5], str(puts))
    c.check("the resumed bar starts where it was and never goes back",
            bars and bars[0] >= bar_before and all(a <= b for a, b in zip(bars, bars[1:])), f"{bar_before} then {bars}")
    c.check("the resume is remembered no longer once complete",
            page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('vod.upload:')).length") == 0)

    # Cancel aborts the multipart upload on the server.
    aborts = []
    page.on("request", lambda r: aborts.append(r.url) if r.url.endswith("/uploads/abort") else None)
    held.clear()
    page.route(parts_route, lambda route: held.append(route))
    cancel = padded(clip, folder, "cancel.mp4", 3)
    page.set_input_files("#file", str(cancel))
    page.wait_for_function("() => document.getElementById('upload-name').textContent === 'cancel.mp4'"
                           " && !document.getElementById('cancel').disabled", timeout=30000)
    page.wait_for_timeout(300)
    page.click("#cancel")
    page.wait_for_function("() => /canceled/.test(document.getElementById('notice').textContent)", timeout=30000)
    page.unroute(parts_route)
    for route in held:
        try:
            route.abort()
        except Exception:  # noqa: BLE001 - the browser already dropped it
            pass
    c.check("cancel aborts the multipart upload", len(aborts) == 1 and page.is_hidden("#upload"), str(aborts))
    c.check("a canceled upload is not offered for resuming",
            page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('vod.upload:')).length") == 0)


def item_of(page, name, status=None):
    """The selector of the first listed video called `name` that has a job (and that status)."""
    return page.evaluate("""([name, words]) => {
        const li = Array.from(document.querySelectorAll('#jobs li')).find(li => li.dataset.jobId
            && li.querySelector('.file').textContent === name
            && (!words || li.querySelector('.state').textContent.startsWith(words)));
        return li ? `#jobs li[data-job-id="${li.dataset.jobId}"]` : null; }""", [name, status])


def cancel_checks(page, folder, clip, c):
    """A running transcode (past 10%) canceled from the panel: the status becomes canceled, the
    bar stops where it was, the list says canceled (and offered Cancel while it ran)."""
    stop = folder / "stop.mp4"
    stop.write_bytes(clip.read_bytes())
    page.set_input_files("#file", str(stop))
    page.wait_for_function("() => document.getElementById('job-name').textContent === 'stop.mp4'"
                           " && document.getElementById('job-state').textContent.startsWith('transcoding')"
                           " && parseInt(document.getElementById('job-percent').textContent) >= 10"
                           " && !document.getElementById('job-cancel').hidden", timeout=180000)
    page.click("#refresh")
    page.wait_for_function("() => Array.from(document.querySelectorAll('#jobs li')).some(li =>"
                           " li.querySelector('.file').textContent === 'stop.mp4')", timeout=30000)
    running = item_of(page, "stop.mp4")
    buttons = page.eval_on_selector_all(f"{running} button", "bs => bs.map(b => b.textContent)") if running else []
    c.check("a transcoding video is listed with Cancel and Delete", "Cancel" in buttons and "Delete" in buttons, str(buttons))
    page.click("#job-cancel")
    page.wait_for_function("() => document.getElementById('job-state').textContent === 'canceled'", timeout=60000)
    at_cancel = page.get_attribute("#job-bar", "aria-valuenow")
    shot(page, "9-canceled")
    c.check("a canceled job's bar says canceled", "canceled" in page.get_attribute("#job-bar", "aria-valuetext")
            and page.is_hidden("#job-cancel"), page.get_attribute("#job-bar", "aria-valuetext"))
    page.wait_for_timeout(6000)
    c.check("the bar stops where the cancel found it", 0 < int(at_cancel) < 100
            and page.get_attribute("#job-bar", "aria-valuenow") == at_cancel, f"{at_cancel} then "
            + str(page.get_attribute("#job-bar", "aria-valuenow")))
    page.click("#refresh")
    page.wait_for_function("() => Array.from(document.querySelectorAll('#jobs li')).some(li =>"
                           " li.querySelector('.file').textContent === 'stop.mp4'"
                           " && li.querySelector('.state').textContent === 'canceled')", timeout=30000)
    canceled = item_of(page, "stop.mp4", "canceled")
    buttons = page.eval_on_selector_all(f"{canceled} button", "bs => bs.map(b => b.textContent)") if canceled else []
    c.check("My videos says canceled, without Cancel", canceled and "Cancel" not in buttons, str(buttons))


def delete_checks(page, context, c):
    """The finished clip: declining the question keeps it; a failed DELETE says why and keeps
    it; confirmed, it is gone from the list, the player showing it stops, its playlist on the
    playback stand-in answers 403/404 and its key 404."""
    page.click("#refresh")
    page.wait_for_function("() => document.querySelectorAll('#jobs li').length > 0", timeout=30000)
    item = item_of(page, "clip.mp4", "complete")
    c.check("the finished clip is listed", item is not None)
    if not item:
        return
    job = page.get_attribute(item, "data-job-id")
    token = page.evaluate("() => JSON.parse(sessionStorage.getItem('vod.tokens')).id_token")
    api = page.evaluate("() => location.origin")
    auth = {"authorization": f"Bearer {token}"}
    view = context.request.get(f"{api}/jobs/{job}", headers=auth).json()
    playlist, key = view["playbackUrl"], f"{api}/jobs/{job}/key"
    c.check("before the delete its playlist and key answer 200",
            context.request.get(playlist).status == 200 and context.request.get(key, headers=auth).status == 200)
    deletes = []
    page.on("request", lambda r: deletes.append(r.url) if r.method == "DELETE" else None)

    page.click(f"{item} button:text-is('Play')")
    page.wait_for_selector("#player:not([hidden])", timeout=30000)
    page.click(f"{item} button:text-is('Delete')")
    page.wait_for_selector(f"{item} [role=group] button:text-is('No')")
    c.check("Delete asks first, focus on No", page.evaluate("() => document.activeElement.textContent") == "No"
            and not deletes, str(deletes))
    shot(page, "10-delete-asks")
    page.click(f"{item} button:text-is('No')")
    page.wait_for_selector(f"{item} button:text-is('Delete')")
    c.check("declining keeps the video, nothing is deleted", not deletes and page.is_visible("#player")
            and context.request.get(key, headers=auth).status == 200, str(deletes))

    refused = lambda url: url.endswith(f"/jobs/{job}")  # noqa: E731
    page.route(refused, lambda route: route.fulfill(
        status=503, content_type="application/json",
        body='{"error":{"code":"unavailable","message":"the storage did not answer; try again"}}')
        if route.request.method == "DELETE" else route.continue_())
    page.click(f"{item} button:text-is('Delete')")
    page.click(f"{item} button:text-is('Yes, delete')")
    page.wait_for_function("() => /could not be deleted/.test(document.getElementById('problem').textContent)", timeout=30000)
    problem = page.inner_text("#problem")
    c.check("a failed delete says why and keeps the video", "the storage did not answer" in problem
            and page.query_selector(item) is not None, problem)
    page.unroute(refused)

    page.click(f"{item} button:text-is('Delete')")
    page.click(f"{item} button:text-is('Yes, delete')")
    page.wait_for_selector(item, state="detached", timeout=30000)
    c.check("a confirmed delete removes the item and stops its player", page.is_hidden("#player"), page.inner_text("#notice"))
    page.click("#refresh")
    page.wait_for_timeout(2000)
    c.check("the deleted video is listed no longer", page.query_selector(item) is None)
    after_playlist = context.request.get(playlist).status
    after_key = context.request.get(key, headers=auth).status
    c.check("after the delete its playlist answers 403/404 and its key 404",
            after_playlist in (403, 404) and after_key == 404, f"playlist {after_playlist}, key {after_key}")


class Hooks:
    """The events stand-in's test hooks (`local --test-hooks`) over loopback HTTP."""

    def __init__(self, url):
        self.url = url.rstrip("/") + "/"

    def _call(self, method, path):
        request = urllib.request.Request(self.url + path, method=method, data=b"" if method == "POST" else None)
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    def publishes(self):
        """(channel, event, receivedMs) of every event published so far, oldest first."""
        return [(p["channel"], json.loads(e), p["receivedMs"]) for p in self._call("GET", "publishes") for e in p["events"]]

    def connections(self):
        return self._call("GET", "connections")

    def drop_user(self, sub):
        return self._call("POST", "drop-user?sub=" + urllib.parse.quote(sub, safe=""))["dropped"]


def wait_until(page, probe, timeout, what):
    """Waits through Playwright's own timer, so that its events (the recorded requests) keep
    arriving meanwhile."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = probe()
        if value:
            return value
        page.wait_for_timeout(100)
    raise TimeoutError(what)


# The bar reached 100 after it had been reset below it (a new job followed).
NEW_JOB_COMPLETE = """() => { const t = JSON.parse(sessionStorage.getItem('test.bar.times') || '[]');
    const i = t.findIndex((x) => x.v < 100); return i >= 0 && t.slice(i).some((x) => x.v === 100); }"""


def latencies(events, times):
    """For each event that should move the bar (a PROGRESSING percent, or COMPLETE's 100) and
    finds it below that: ms from the stand-in receiving its publish to the first bar change at
    or above it. Events the bar had already reached by extrapolation are counted apart."""
    measured, ahead, missing = [], 0, 0
    for _, event, received in events:
        if event.get("status") == "COMPLETE":
            target = 100
        elif event.get("status") == "PROGRESSING" and isinstance(event.get("progress"), (int, float)) and event["progress"] > 0:
            target = min(int(event["progress"]), 99)
        else:
            continue
        before = [x["v"] for x in times if x["t"] <= received]
        if before and before[-1] >= target:
            ahead += 1
            continue
        after = [x["t"] for x in times if x["t"] > received and x["v"] >= target]
        if after:
            measured.append(after[0] - received)
        else:
            missing += 1
    return measured, ahead, missing


def figures(ms):
    ms = sorted(ms)
    if not ms:
        return "none measured"
    median = ms[len(ms) // 2] if len(ms) % 2 else (ms[len(ms) // 2 - 1] + ms[len(ms) // 2]) / 2
    return f"median {median:.0f} ms, max {ms[-1]:.0f} ms over {len(ms)} events"


def job_gets(page):
    """Times (ms, wall clock) of the page's GET /jobs/{jobId}, by job id."""
    gets = {}
    pattern = re.compile(r"/jobs/([^/?]+)$")

    def seen(request):
        m = pattern.search(request.url)
        if request.method == "GET" and m:
            gets.setdefault(m.group(1), []).append(time.time() * 1000)
    page.on("request", seen)
    return gets


def follow_upload(page, gets, clip):
    """Uploads the clip and answers (its job id, the bar's changes since the page began following
    it), once the page has asked for the job. A job still running from before (the page may be
    following it) is told apart by the answer that gives the page the new job's id."""
    page.evaluate("() => sessionStorage.removeItem('test.bar.times')")
    try:
        # The page learns the job's id from this answer (the upload's answer has none yet).
        with page.expect_response(lambda r: "/jobs?" in r.url and "inputFile=" in r.url and r.status == 200,
                                  timeout=120000) as answer:
            page.set_input_files("#file", str(clip))
        job_id = answer.value.json()["jobId"]
    except Exception:
        shot(page, "9-push-no-job")
        print(f"     push: no job: problem {page.inner_text('#problem')!r}, notice {page.inner_text('#notice')!r}")
        raise
    wait_until(page, lambda: gets.get(job_id), 60, "the page never asked for the new job")

    def times():
        # From the new follow's reset to 0: the previous follow may render once more before it.
        t = page.evaluate("() => JSON.parse(sessionStorage.getItem('test.bar.times') || '[]')")
        start = next((i for i, x in enumerate(t) if x["v"] == 0), 0)
        return t[start:]
    return job_id, times


def job_events(hooks, job_id):
    return [e for e in hooks.publishes() if e[0].endswith("/" + job_id)]


def push_checks(page, hooks, clip, c):
    """Progress pushed over the events stand-in: the time from each publish to the bar's change
    (figures, not asserted), the fallback to polling when the socket is dropped, the bar still
    ending at 100. Answers the job's channel."""
    gets = job_gets(page)
    sub = page.evaluate("() => JSON.parse(atob(JSON.parse(sessionStorage.getItem('vod.tokens')).id_token"
                        ".split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).sub")

    # Pushed: every progress event moves the bar; the latency is reported.
    job_id, times = follow_upload(page, gets, clip)
    page.wait_for_function(NEW_JOB_COMPLETE, timeout=240000)
    events = job_events(hooks, job_id)
    bar = times()
    measured, ahead, missing = latencies(events, bar)
    print(f"     push: publish -> bar change: {figures(measured)}; {ahead} already reached by the"
          f" bar's extrapolation; {len(events)} events; {len(gets[job_id])} GET /jobs/{{jobId}}")
    c.check("each pushed progress event moves the bar", measured and missing == 0,
            f"{missing} events never reached the bar: {events} / {bar}")
    c.check("the pushed bar never moves backwards", all(a["v"] <= b["v"] for a, b in zip(bar, bar[1:])), str(bar))
    channel = events[0][0] if events else None

    # Dropped socket: the page polls again and the bar still reaches 100.
    job_id, times = follow_upload(page, gets, clip)
    wait_until(page, lambda: any(e[1].get("status") == "PROGRESSING" for e in job_events(hooks, job_id)), 120,
               "the job never reported progress")
    wait_until(page, lambda: hooks.connections()["bySub"].get(sub), 30, "the page never subscribed")
    # The catch-up GET after subscribe_success comes after the socket opened: let it pass, so
    # that only GETs of the fallback are counted after the drop.
    opened = time.time() * 1000
    wait_until(page, lambda: gets[job_id][-1] >= opened, 30, "no catch-up GET after subscribing")
    page.wait_for_timeout(500)
    dropped_at = time.time() * 1000
    dropped = hooks.drop_user(sub)
    page.wait_for_function(NEW_JOB_COMPLETE, timeout=240000)
    complete = [e[2] for e in job_events(hooks, job_id) if e[1].get("status") == "COMPLETE"]
    repolls = [t for t in gets[job_id] if dropped_at <= t < (complete[0] if complete else float("inf"))]
    first = f", the first {(repolls[0] - dropped_at) / 1000:.1f} s after it" if repolls else ""
    print(f"     push: socket dropped ({dropped}); {len(repolls)} GET /jobs/{{jobId}} between the drop and COMPLETE's"
          f" publish{first} ({len(gets[job_id])} in all); sockets open now {hooks.connections()['bySub']}")
    c.check("the drop hook dropped the page's socket", dropped >= 1, str(dropped))
    # At the status interval (10 s here) when a GET was in flight at the drop, else at once.
    c.check("after the socket is dropped the page polls while the job runs", bool(repolls),
            f"GETs at {gets[job_id]} after the drop at {dropped_at}, COMPLETE published at {complete}")
    bar = times()
    c.check("after the drop the bar still reaches 100, never backwards",
            bar and bar[-1]["v"] == 100 and all(a["v"] <= b["v"] for a, b in zip(bar, bar[1:])), str(bar))
    return channel


# Opens the documented protocol from the page (its CSP admits the realtime origin) with the
# signed-in user's own token, and answers with the first subscribe answer per channel.
SUBSCRIBE_AS_ME = """async (channels) => {
  const push = JSON.parse(document.getElementById('settings').textContent).push;
  const token = JSON.parse(sessionStorage.getItem('vod.tokens')).id_token;
  const sub = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).sub;
  const b64url = (s) => btoa(String.fromCharCode(...new TextEncoder().encode(s)))
    .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const attempt = (channel) => new Promise((resolve) => {
    const auth = { host: push.httpDomain, Authorization: token };
    const ws = new WebSocket(push.realtimeUrl, ['aws-appsync-event-ws', 'header-' + b64url(JSON.stringify(auth))]);
    const done = (answer) => { try { ws.close(); } catch (e) { /* closed */ } resolve(answer); };
    setTimeout(() => done({ type: 'no answer in 10 s' }), 10000);
    ws.onopen = () => ws.send(JSON.stringify({ type: 'connection_init' }));
    ws.onerror = () => done({ type: 'socket error' });
    ws.onmessage = (m) => {
      const x = JSON.parse(m.data);
      if (x.type === 'connection_ack') ws.send(JSON.stringify({ type: 'subscribe', id: 's1', channel, authorization: auth }));
      else if (['subscribe_success', 'subscribe_error', 'connection_error', 'error'].includes(x.type)) done(x);
    };
  });
  const own = '/' + push.namespace + '/' + VodEvents.channelOwner(sub) + '/';
  const answers = {};
  for (const [name, channel] of Object.entries(channels)) answers[name] = await attempt(channel.replace('OWN/', own));
  return answers;
}"""


def make_clips(folder):
    """A 2 s H.264/AAC clip, an unreadable file with a video name, and a text file."""
    clip = folder / "clip.mp4"
    subprocess.run(
        [ffmpeg(), "-y", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=640x360:rate=25",
         "-f", "lavfi", "-i", "sine=frequency=440", "-t", "2", "-c:v", "libx264",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(clip)],
        check=True,
    )
    unreadable = folder / "unreadable.mp4"
    unreadable.write_bytes(os.urandom(4096))
    text = folder / "notes.txt"
    text.write_text("not a video\n")
    return clip, unreadable, text


def slow_ffmpeg(folder):
    """ffmpeg reading its input at a tenth of real time: the 2 s clip then transcodes for about
    20 s, so that the page, which polls at the stage's status interval (10 s at the least),
    sees it in progress; the stand-in's progress events come every 2 s (--interval-scale)."""
    wrapper = folder / "ffmpeg"
    wrapper.write_text(f'#!/bin/sh\nexec "{ffmpeg()}" -readrate 0.1 "$@"\n')
    wrapper.chmod(0o755)
    return wrapper


class LocalStack:
    """`local` started with two users; its printed URLs read from its output."""

    def __init__(self, binary, folder):
        args = [str(binary), "--api-port", "0", "--auth-port", "0", "--playback-port", "0", "--events-port", "0", "--test-hooks",
                "--no-build", "--interval-scale", "0.2", "--ffmpeg", str(slow_ffmpeg(folder))]
        for email, password in USERS.values():
            args += ["--user", f"{email}:{password}"]
        self.log = open(ARTIFACTS / "local.log", "w")
        self.process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=self.log, text=True,
                                        start_new_session=True)
        self.urls = {}
        deadline = time.time() + 300
        for line in self.process.stdout:
            self.log.write(line)
            self.log.flush()
            m = re.match(r"local: (\S+)\s+(\S+)", line)
            if m:
                self.urls[m.group(1)] = m.group(2)
            if line.startswith("local: ready"):
                break
            if time.time() > deadline:
                break
        if "api" not in self.urls or self.process.poll() is not None:
            self.stop()
            fail_setup(f"the local stack did not start: see {ARTIFACTS / 'local.log'}")
        # Keep draining its output so that it never blocks on a full pipe.
        import threading

        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.process.stdout:
            self.log.write(line)
            self.log.flush()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page, api, user):
    email, password = USERS[user]
    page.goto(api + "/")
    page.click("#sign-in")
    # The hosted UI's form (the local stand-in), unless the provider signs in without one.
    page.wait_for_function("() => !location.href.startsWith(%r) || !document.getElementById('app').hidden" % (api + "/"))
    if not page.url.startswith(api):
        page.fill("input[name=username]", email)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
    page.wait_for_selector("#app:not([hidden])", timeout=30000)


def run(api, folder, c, hooks):
    from playwright.sync_api import sync_playwright

    clip, unreadable, text = make_clips(folder)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
        context = browser.new_context(viewport={"width": 360, "height": 800})
        context.add_init_script(RECORDER)
        page = context.new_page()
        console = []
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))

        page.goto(api + "/")
        page.wait_for_selector("#sign-in:not([hidden])")
        shot(page, "1-signed-out")
        csp = page.evaluate("async () => (await fetch('/')).headers.get('content-security-policy')")
        c.check("the page is served with a CSP without unsafe-inline", csp and "script-src 'self'" in csp and "unsafe" not in csp, csp)

        sign_in(page, api, "alice")
        c.check("signing in leaves no code in the URL", "code=" not in page.url and "state=" not in page.url, page.url)
        c.check("signed in as alice", page.inner_text("#user") == USERS["alice"][0], page.inner_text("#user"))
        shot(page, "2-signed-in")

        # A wrong type is refused before any upload.
        posts = []
        page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and r.url.endswith("/uploads") else None)
        page.set_input_files("#file", str(text))
        page.wait_for_selector("#problem:not([hidden])")
        c.check("a text file is refused before any upload", "not a video" in page.inner_text("#problem") and not posts,
                f"{page.inner_text('#problem')!r} posts={posts}")
        shot(page, "3-wrong-type")

        # Everything is reachable by keyboard: Tab reaches the file chooser and the buttons.
        reached = set()
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        for _ in range(8):
            page.keyboard.press("Tab")
            reached.add(page.evaluate("() => document.activeElement.id"))
        c.check("Tab reaches sign-out, the file chooser and refresh", {"sign-out", "file", "refresh"} <= reached, str(reached))

        # A failed PUT says why (S3's answer), and a running upload can be canceled.
        presigned = lambda url: "X-Amz-Signature=" in url  # noqa: E731
        page.route(presigned, lambda route: route.fulfill(
            status=403, headers={"access-control-allow-origin": "*", "content-type": "application/xml"},
            body="<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error>"))
        page.set_input_files("#file", str(clip))
        page.wait_for_function("() => /upload failed/.test(document.getElementById('problem').textContent)", timeout=30000)
        problem = page.inner_text("#problem")
        c.check("a refused PUT shows S3's reason", "403 SignatureDoesNotMatch" in problem, problem)
        shot(page, "3b-put-refused")
        page.unroute(presigned)
        held = []
        page.route(presigned, lambda route: held.append(route))
        page.set_input_files("#file", str(clip))
        page.wait_for_function("() => !document.getElementById('cancel').disabled", timeout=30000)
        page.wait_for_timeout(300)
        page.keyboard.press("Escape")
        page.focus("#cancel")
        page.keyboard.press("Enter")
        page.wait_for_function("() => /canceled/.test(document.getElementById('notice').textContent)", timeout=30000)
        c.check("the cancel button stops the upload", page.is_hidden("#upload") and page.is_hidden("#job"),
                page.inner_text("#notice"))
        page.unroute(presigned)
        for route in held:
            try:
                route.abort()
            except Exception:  # noqa: BLE001 - the browser already dropped it
                pass

        # The clip: upload, then the transcoding bar.
        started = time.time()
        page.set_input_files("#file", str(clip))
        page.wait_for_selector("#job:not([hidden])", timeout=60000)
        c.check("the upload bar ends at 100%", page.get_attribute("#upload-bar", "aria-valuenow") == "100",
                page.get_attribute("#upload-bar", "aria-valuenow"))
        shot(page, "4-uploaded")
        # Once it is transcoding, a reload resumes following it from the job list.
        page.wait_for_function("() => ['transcoding', 'complete'].includes(document.getElementById('job-state').textContent)",
                               timeout=120000)
        if page.inner_text("#job-state") == "transcoding":
            shot(page, "5-transcoding")
            page.reload()
            page.wait_for_selector("#job:not([hidden])", timeout=30000)
            c.check("after a reload the job is followed again", True)
        page.wait_for_function("() => document.getElementById('job-state').textContent === 'complete'", timeout=240000)
        values = page.evaluate("() => JSON.parse(sessionStorage.getItem('test.bar') || '[]')")
        print(f"     bar values: {values} ({time.time() - started:.1f} s from upload to complete)")
        c.check("the bar never moves backwards", all(a <= b for a, b in zip(values, values[1:])), str(values))
        c.check("the bar ends at 100", values and values[-1] == 100, str(values))
        c.check("the bar is a progressbar at 100", page.get_attribute("#job-bar", "role") == "progressbar"
                and page.get_attribute("#job-bar", "aria-valuenow") == "100")

        # Playback: hls.js with the key fetched with the token.
        page.wait_for_selector("#player:not([hidden])", timeout=30000)
        key_requests = []
        page.on("request", lambda r: key_requests.append(r) if r.url.endswith("/key") else None)
        c.check("the video plays past 1 s (decrypted)", plays(page),
                page.evaluate("() => document.getElementById('video').currentTime"))
        shot(page, "6-playing")

        # My videos lists the clip, playable.
        page.click("#refresh")
        page.wait_for_selector("#jobs li")
        listed = page.inner_text("#jobs")
        c.check("My videos lists the clip as complete", "clip.mp4" in listed and "complete" in listed, listed)
        c.check("the clip's item gives its length and picture size", "0:02" in listed and "640\u00d7360" in listed, listed)

        # Its poster: the frame capture's JPEG from the playback distribution, loaded under the
        # page's CSP, with the clip's 16:9 aspect.
        try:
            page.wait_for_function("() => { const i = document.querySelector('#jobs li .poster img');"
                                   " return i && i.complete && i.naturalWidth > 0; }", timeout=30000)
            loaded = True
        except Exception as e:  # noqa: BLE001 - reported as the check's detail
            loaded = False
            print(f"     poster: {e}")
        playback = page.evaluate("() => JSON.parse(document.getElementById('settings').textContent).playbackUrl")
        img = page.evaluate("""async () => {
            const i = document.querySelector('#jobs li .poster img');
            if (!i) return null;
            const r = await fetch(i.src);
            const head = Array.from(new Uint8Array((await r.arrayBuffer()).slice(0, 3)));
            return { src: i.src, w: i.naturalWidth, h: i.naturalHeight,
                     type: r.headers.get('content-type'), head };
        }""")
        c.check("the clip's poster loads in My videos", loaded and img is not None, str(img))
        if img:
            c.check("the poster is a JPEG from the playback distribution",
                    img["type"] == "image/jpeg" and img["head"] == [0xFF, 0xD8, 0xFF]
                    and img["src"].startswith(playback.rstrip("/") + "/"), f"{img} playback={playback}")
            c.check("the poster has the clip's aspect (640x360)", img["w"] * 360 == img["h"] * 640, str(img))

        # An unreadable upload ends in the error, explained.
        page.set_input_files("#file", str(unreadable))
        page.wait_for_selector("#job-error:not([hidden])", timeout=240000)
        error = page.inner_text("#job-error")
        c.check("an unreadable upload shows the failure", page.inner_text("#job-state") == "failed" and "failed" in error.lower(), error)
        c.check("the failure gives the reason for people (error 1010)",
                "could not be read" in error and "will not help" in error, error)
        c.check("the failure names no bucket or account", "s3://" not in error and not re.search(r"\d{12}", error), error)
        shot(page, "7-failed")

        # The library: the failed upload is listed without a poster (an empty frame, no
        # broken image), the clip with its own. This view is the README's screenshot.
        page.click("#refresh")
        page.wait_for_function("() => document.querySelectorAll('#jobs li').length >= 2", timeout=30000)
        page.wait_for_function("() => Array.from(document.querySelectorAll('#jobs img')).every(i => i.complete)", timeout=30000)
        items = page.evaluate("""() => Array.from(document.querySelectorAll('#jobs li')).map(li => ({
            text: li.innerText, frame: !!li.querySelector('.poster'), img: !!li.querySelector('.poster img') }))""")
        failed = [i for i in items if "unreadable.mp4" in i["text"]]
        c.check("a failed video is listed with an empty poster frame", failed and failed[0]["frame"] and not failed[0]["img"], str(items))
        shot(page, "7b-library")

        multipart_checks(page, folder, clip, c)
        cancel_checks(page, folder, clip, c)
        delete_checks(page, context, c)
        channel = push_checks(page, hooks, clip, c) if hooks else None
        if not hooks:
            print("     push: no test hooks (--url): the push checks are skipped")

        # Bob sees none of Alice's videos.
        other = browser.new_context(viewport={"width": 360, "height": 800})
        bob = other.new_page()
        sign_in(bob, api, "bob")
        bob.wait_for_selector("#empty:not([hidden])", timeout=30000)
        c.check("another user's videos are not listed", bob.inner_text("#jobs").strip() == "", bob.inner_text("#jobs"))
        shot(bob, "8-other-user")
        if channel:
            # Alice's job channel and all of hers, refused to Bob; his own accepted (the control).
            _, namespace, owner, job = channel.split("/")
            answers = bob.evaluate(SUBSCRIBE_AS_ME, {"job": channel, "all": f"/{namespace}/{owner}/*", "own": f"OWN/{job}"})
            c.check("another user's job channel is refused", answers["job"]["type"] == "subscribe_error", str(answers))
            c.check("another user's wildcard channel is refused", answers["all"]["type"] == "subscribe_error", str(answers))
            c.check("the user's own channel is accepted on the same socket form", answers["own"]["type"] == "subscribe_success", str(answers))

        # Sign-out goes through the hosted UI and back, signed out.
        page.click("#sign-out")
        page.wait_for_selector("#sign-in:not([hidden])", timeout=30000)
        c.check("signing out ends signed out", page.evaluate("() => sessionStorage.getItem('vod.tokens')") is None)

        errors = [m for m in console if m.startswith(("error", "pageerror"))]
        c.check("no script errors in the console", not [m for m in errors if "Content Security Policy" in m or "pageerror" in m], "\n".join(errors))
        (ARTIFACTS / "console.log").write_text("\n".join(console))
        browser.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--local", default=str(ROOT / "target" / "debug" / "local"))
    parser.add_argument("--url")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        fail_setup(f"{CHROMIUM} is missing: scripts/test.sh installs Debian's chromium (apt-get install -y chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        fail_setup("playwright is missing: run scripts/tools.sh")
    if not args.url and not Path(args.local).exists():
        fail_setup(f"{args.local} is missing: build it with `cargo build -p local -p handlers --bins`"
                   " (scripts/test.sh's `cargo test --workspace` builds it)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    started = time.time()
    c = Checks()
    stack = None
    try:
        with tempfile.TemporaryDirectory() as folder:
            if args.url:
                api = args.url.rstrip("/")
            else:
                stack = LocalStack(args.local, Path(folder))
                api = stack.urls["api"].rstrip("/")
            hooks = Hooks(stack.urls["test-hooks"]) if stack and "test-hooks" in stack.urls else None
            run(api, Path(folder), c, hooks)
    except Exception as e:  # noqa: BLE001 - any failure is the run's failure, with its cause
        c.check("the browser run completes", False, f"{type(e).__name__}: {e}")
    finally:
        if stack:
            stack.stop()
    print(f"browser tests took {time.time() - started:.0f} s; screenshots in {ARTIFACTS}")
    print(f"browser: {c.passed} passed, {c.failed} failed")
    sys.exit(1 if c.failed else 0)


if __name__ == "__main__":
    main()

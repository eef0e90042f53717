//! The local stack as a user runs it (`local` binary): the end-to-end path through the HTTP
//! API as a client drives it, and the start-up failures that must end it cleanly.

mod support;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::net::TcpListener;
use std::time::{Duration, Instant};
use support::{LocalStack, form, processes_of, query_param, request};

const USER: &str = "e2e@example.com";
const PASSWORD: &str = "Local-Passw0rd-e2e";

fn ffmpeg() -> std::path::PathBuf {
    mediaconvert_local::locate_ffmpeg(&testkit::tool("python")).unwrap_or_else(|e| panic!("{e}"))
}

/// Signs in through the hosted-UI stand-in as a browser app does: authorize, the sign-in
/// form, the redirect with a code, and the code with its PKCE verifier for tokens.
fn sign_in(stack: &LocalStack) -> String {
    let auth = stack.printed("hosted-ui");
    let api = stack.printed("api");
    let client = stack.printed("client-id");
    let verifier = URL_SAFE_NO_PAD.encode([7u8; 32]);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let params = [
        ("client_id", client.as_str()),
        ("response_type", "code"),
        ("redirect_uri", api.as_str()),
        ("state", "s-1"),
        ("scope", "openid email"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let page = request(
        "GET",
        &format!("{auth}/oauth2/authorize?{}", form(&params)),
        &[],
        b"",
    );
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(page.text().contains("<form"), "no sign-in form");
    // A redirect URI that is not one of the client's callback URLs shows an error, no form.
    let mut foreign = params;
    foreign[2] = ("redirect_uri", "http://evil.example");
    let refused = request(
        "GET",
        &format!("{auth}/oauth2/authorize?{}", form(&foreign)),
        &[],
        b"",
    );
    assert_eq!(refused.status, 400);

    let urlencoded = [("content-type", "application/x-www-form-urlencoded")];
    let mut login: Vec<(&str, &str)> = params.to_vec();
    login.extend([("username", USER), ("password", "wrong password")]);
    let wrong = request(
        "POST",
        &format!("{auth}/login"),
        &urlencoded,
        form(&login).as_bytes(),
    );
    assert!(
        wrong.status == 200 && wrong.text().contains("Incorrect username or password"),
        "{}",
        wrong.text()
    );
    login.pop();
    login.push(("password", PASSWORD));
    let sign_in_code = || {
        let redirect = request(
            "POST",
            &format!("{auth}/login"),
            &urlencoded,
            form(&login).as_bytes(),
        );
        assert_eq!(redirect.status, 302, "{}", redirect.text());
        let location = redirect.header("location").expect("a redirect").to_owned();
        assert!(location.starts_with(&api), "{location}");
        assert_eq!(query_param(&location, "state").as_deref(), Some("s-1"));
        query_param(&location, "code").expect("a code")
    };
    let token = |code: &str, verifier: &str| {
        request(
            "POST",
            &format!("{auth}/oauth2/token"),
            &urlencoded,
            form(&[
                ("grant_type", "authorization_code"),
                ("client_id", &client),
                ("code", code),
                ("redirect_uri", &api),
                ("code_verifier", verifier),
            ])
            .as_bytes(),
        )
    };
    // A verifier that does not hash to the challenge gets no tokens.
    let refused = token(&sign_in_code(), &URL_SAFE_NO_PAD.encode([8u8; 32]));
    assert_eq!(refused.status, 400);
    assert_eq!(refused.json()["error"], "invalid_grant");
    let code = sign_in_code();
    let tokens = token(&code, &verifier);
    assert_eq!(tokens.status, 200, "{}", tokens.text());
    // A code is good once.
    assert_eq!(token(&code, &verifier).status, 400);
    tokens.json()["id_token"]
        .as_str()
        .expect("an id token")
        .to_owned()
}

struct Client {
    api: String,
    token: String,
}

impl Client {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> support::Http {
        let auth = format!("Bearer {}", self.token);
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        request(
            method,
            &format!("{}{path}", self.api),
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            body.as_bytes(),
        )
    }

    /// Requests an upload and PUTs `data` to the presigned URL; answers the input file key.
    fn upload(&self, name: &str, data: &[u8]) -> String {
        let answer = self.call(
            "POST",
            "/uploads",
            Some(json!({"fileName": name, "size": data.len()})),
        );
        assert_eq!(answer.status, 201, "{}", answer.text());
        let upload = answer.json();
        let headers: Vec<(String, String)> = upload["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let put = request("PUT", upload["uploadUrl"].as_str().unwrap(), &headers, data);
        assert_eq!(put.status, 200, "PUT: {}", put.text());
        upload["inputFile"].as_str().unwrap().to_owned()
    }

    /// Polls the job of `input_file` until it ends; answers (job, every progress seen).
    fn wait_job(&self, input_file: &str, limit: Duration) -> (Value, Vec<u64>) {
        let deadline = Instant::now() + limit;
        let path = format!("/jobs?inputFile={}", support::encode(input_file));
        let job_id = loop {
            let latest = self.call("GET", &path, None);
            if latest.status == 200 {
                break latest.json()["jobId"].as_str().unwrap().to_owned();
            }
            assert_eq!(latest.status, 404, "{}", latest.text());
            assert!(Instant::now() < deadline, "no job for {input_file}");
            std::thread::sleep(Duration::from_millis(100));
        };
        let mut progress = Vec::new();
        loop {
            let answer = self.call("GET", &format!("/jobs/{job_id}"), None);
            assert!(Instant::now() < deadline, "job {job_id}: {}", answer.text());
            // create-job records the input file's job before the job's status, so the job
            // answers 404 for a moment after the input file names it.
            if answer.status == 404 {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
            assert_eq!(answer.status, 200, "{}", answer.text());
            let job = answer.json();
            if let Some(p) = job["progress"].as_u64() {
                progress.push(p);
            }
            if matches!(job["status"].as_str(), Some("COMPLETE" | "ERROR")) {
                return (job, progress);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

#[test]
fn upload_transcode_progress_playback_and_key_through_the_local_stack() {
    let scratch = tempfile::tempdir().unwrap();
    let video = testkit::test_clip(&ffmpeg(), scratch.path(), 640, 360, 3);
    let mut stack = LocalStack::spawn(
        "e2e",
        &[
            "--interval-scale",
            "0.1",
            "--user",
            &format!("{USER}:{PASSWORD}"),
        ],
    );
    let ready = stack.wait_ready(Duration::from_secs(90));
    eprintln!("local stack ready in {ready:?}");
    let api = stack.printed("api");
    let playback = stack.printed("playback");

    api_gateway_edge(&api);

    let client = Client {
        api: api.clone(),
        token: sign_in(&stack),
    };
    // Pushed progress: the user's own channels are theirs to watch, another user's are not.
    let realtime = Realtime::of(&stack, &client.token);
    let refused = Realtime::of(&stack, &client.token).subscribe("/jobs/someone-else/*");
    assert_eq!(refused["type"], "subscribe_error", "{refused}");
    assert_eq!(
        refused["errors"][0]["errorType"], "UnauthorizedException",
        "{refused}"
    );
    let watcher = realtime.watch_own_jobs();

    let uploaded = Instant::now();
    let input_file = client.upload("clip.mp4", &video);
    let (job, progress) = client.wait_job(&input_file, Duration::from_secs(60));
    eprintln!(
        "upload to COMPLETE in {:?}; progress seen {progress:?}",
        uploaded.elapsed()
    );
    assert_eq!(job["status"], "COMPLETE", "{job}");
    assert!(
        progress.windows(2).all(|w| w[0] <= w[1]),
        "progress went down: {progress:?}"
    );
    assert_eq!(progress.last(), Some(&100));
    let job_id = job["jobId"].as_str().unwrap();
    pushed_progress(watcher.join().expect("the subscriber ran"), job_id);
    assert_eq!(
        (job["widthPx"].as_u64(), job["heightPx"].as_u64()),
        (Some(640), Some(360))
    );

    // The main playlist, from the distribution stand-in, with its CORS.
    let playback_url = job["playbackUrl"].as_str().expect("a playback URL");
    assert!(playback_url.starts_with(&playback), "{playback_url}");
    let main = request("GET", playback_url, &[("origin", &api)], b"");
    assert_eq!(main.status, 200, "{}", main.text());
    assert_eq!(
        main.header("access-control-allow-origin"),
        Some(api.as_str())
    );
    let main = main.text();
    assert!(main.starts_with("#EXTM3U"), "{main}");
    // The ladder never goes above the source.
    let variants = testkit::hls_variants(&main);
    assert!(!variants.is_empty(), "{main}");
    for ((w, h), uri) in &variants {
        assert!(
            *w <= 640 && *h <= 360,
            "a rendition above the source: {uri} {w}x{h}"
        );
    }
    let (top_size, top) = variants.iter().max().unwrap();
    let base = playback_url.rsplit_once('/').unwrap().0;
    let child = request("GET", &format!("{base}/{top}"), &[], b"").text();
    let key_line = child
        .lines()
        .find(|l| l.starts_with("#EXT-X-KEY:METHOD=AES-128"))
        .unwrap_or_else(|| panic!("not encrypted: {child}"));
    let key_uri = key_line
        .split("URI=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap();
    assert_eq!(key_uri, format!("{api}/jobs/{job_id}/key"));
    let iv = testkit::first_segment_iv(&child);
    let segment_name = child
        .lines()
        .find(|l| l.ends_with(".ts"))
        .expect("a segment");
    let segment = request("GET", &format!("{base}/{segment_name}"), &[], b"");
    assert_eq!(segment.status, 200);

    poster(&client, &job, base, &api, scratch.path());

    // The key only through the API, for its owner.
    let key = client.call("GET", &format!("/jobs/{job_id}/key"), None);
    assert_eq!(key.status, 200, "{}", key.text());
    assert_eq!(key.header("cache-control"), Some("no-store"));
    assert_eq!(key.body.len(), 16);
    let anonymous_key = request("GET", &format!("{api}/jobs/{job_id}/key"), &[], b"");
    assert_eq!(anonymous_key.status, 401);
    for path in [format!("keys/{job_id}"), format!("../keys/{job_id}/x")] {
        let denied = request("GET", &format!("{playback}/{path}"), &[], b"");
        assert_eq!(denied.status, 403, "{path}");
    }

    let plain = testkit::decrypt_aes128_cbc(&segment.body, &key.body, iv);
    testkit::assert_mpeg_ts(&plain);
    // What a player decodes from the top rendition is its listed size: no upscale.
    assert_eq!(
        testkit::decoded_video_size(&ffmpeg(), &plain, scratch.path()),
        *top_size
    );

    unreadable_upload_fails_without_naming_storage(&client);
    every_corpus_file_ends_as_documented(&client, scratch.path());

    // Ctrl-C stops everything: moto's launcher and the three functions, found before by name.
    let running = processes_of(&stack.stack_name);
    assert!(running.len() >= 4, "{running:?}");
    stack.interrupt();
    let status = stack.wait_exit(Duration::from_secs(20));
    assert!(status.success(), "{status}: {}", stack.stderr());
    assert_eq!(processes_of(&stack.stack_name), Vec::<String>::new());
    let log = stack.stderr();
    assert!(
        !log.contains(&hex(&key.body)),
        "the key appears in the stack's log"
    );
}

/// The edge before any sign-in: the authorizer refuses a request without a token; API Gateway
/// answers CORS preflights for the stage's origin only.
fn api_gateway_edge(api: &str) {
    let anonymous = request("GET", &format!("{api}/jobs"), &[], b"");
    assert_eq!(anonymous.status, 401);
    let preflight = request(
        "OPTIONS",
        &format!("{api}/uploads"),
        &[
            ("origin", api),
            ("access-control-request-method", "POST"),
            (
                "access-control-request-headers",
                "authorization,content-type",
            ),
        ],
        b"",
    );
    assert_eq!(preflight.status, 204);
    assert_eq!(preflight.header("access-control-allow-origin"), Some(api));
    let foreign = request(
        "OPTIONS",
        &format!("{api}/uploads"),
        &[
            ("origin", "http://evil.example"),
            ("access-control-request-method", "POST"),
        ],
        b"",
    );
    assert_eq!(foreign.header("access-control-allow-origin"), None);
}

/// What the user's own subscription saw: only this job's events, PROGRESSING on the way, COMPLETE
/// last, in increasing merge order.
fn pushed_progress(pushed: Vec<Value>, job_id: &str) {
    eprintln!("pushed: {pushed:?}");
    assert!(pushed.iter().all(|e| e["jobId"] == job_id), "{pushed:?}");
    assert_eq!(
        pushed.last().map(|e| e["status"].clone()),
        Some(json!("COMPLETE"))
    );
    assert!(
        pushed.iter().any(|e| e["status"] == "PROGRESSING"),
        "{pushed:?}"
    );
    let sequences: Vec<&str> = pushed
        .iter()
        .map(|e| e["sequence"].as_str().unwrap())
        .collect();
    assert!(sequences.windows(2).all(|w| w[0] < w[1]), "{sequences:?}");
}

/// The poster: the template's frame capture, beside the playlists on the distribution, a JPEG
/// of the clip's size, and the same URL in the caller's listing.
fn poster(client: &Client, job: &Value, base: &str, api: &str, scratch: &std::path::Path) {
    let job_id = job["jobId"].as_str().unwrap();
    let poster_url = job["posterUrl"].as_str().expect("a poster URL");
    assert!(
        poster_url.starts_with(&format!("{base}/poster.")) && poster_url.ends_with(".jpg"),
        "{poster_url}"
    );
    let poster = request("GET", poster_url, &[("origin", api)], b"");
    assert_eq!(poster.status, 200, "{}", poster.text());
    assert_eq!(poster.header("content-type"), Some("image/jpeg"));
    assert_eq!(
        testkit::jpeg_size(&ffmpeg(), &poster.body, scratch),
        (640, 360)
    );
    let listed = client.call("GET", "/jobs", None).json();
    let item = listed["jobs"]
        .as_array()
        .and_then(|jobs| jobs.iter().find(|j| j["jobId"] == job_id))
        .unwrap_or_else(|| panic!("the job is listed: {listed}"));
    assert_eq!(item["posterUrl"], poster_url, "{item}");
    assert_eq!(item["widthPx"], 640, "{item}");
    assert!(
        item["durationMs"].as_u64().is_some_and(|d| d > 1000),
        "{item}"
    );
}

/// A file ffmpeg cannot read ends in ERROR, with a message naming no bucket or account.
fn unreadable_upload_fails_without_naming_storage(client: &Client) {
    let corrupt: Vec<u8> = (0..40_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let broken = client.upload("broken.mp4", &corrupt);
    let (failed, _) = client.wait_job(&broken, Duration::from_secs(60));
    assert_eq!(failed["status"], "ERROR", "{failed}");
    let message = failed["errorMessage"].as_str().expect("an error message");
    assert!(
        failed["errorCode"].is_number() || failed["errorCode"].is_string(),
        "{failed}"
    );
    for secret in ["s3://", "123456789012", "local-input", "uploads/"] {
        assert!(!message.contains(secret), "{secret} in {message:?}");
    }
}

/// A browser's AppSync Events connection to the local stand-in, signed in with `token`.
struct Realtime {
    socket: tungstenite::WebSocket<std::net::TcpStream>,
    auth: Value,
    sub: String,
}

impl Realtime {
    fn of(stack: &LocalStack, token: &str) -> Realtime {
        // "http://127.0.0.1:4003/event (realtime ws://127.0.0.1:4003/event/realtime)"
        let printed = stack.printed("events");
        let host = printed
            .split_whitespace()
            .next()
            .unwrap()
            .trim_start_matches("http://");
        let host = host.split('/').next().unwrap();
        let url = printed
            .split("realtime ")
            .nth(1)
            .unwrap()
            .trim_end_matches(')');
        let auth = json!({ "host": host, "Authorization": token });
        let header = URL_SAFE_NO_PAD.encode(auth.to_string());
        let request = tungstenite::http::Request::get(url)
            .header("host", host)
            .header("connection", "Upgrade")
            .header("upgrade", "websocket")
            .header("sec-websocket-version", "13")
            .header(
                "sec-websocket-key",
                tungstenite::handshake::client::generate_key(),
            )
            .header(
                "sec-websocket-protocol",
                format!("aws-appsync-event-ws, header-{header}"),
            )
            .body(())
            .unwrap();
        let stream = std::net::TcpStream::connect(host).unwrap();
        let (mut socket, response) = tungstenite::client(request, stream).expect("the handshake");
        assert_eq!(
            response.headers()["sec-websocket-protocol"],
            "aws-appsync-event-ws"
        );
        socket
            .send(tungstenite::Message::text(
                json!({"type": "connection_init"}).to_string(),
            ))
            .unwrap();
        let mut realtime = Realtime {
            socket,
            auth,
            sub: claim(token, "sub"),
        };
        let ack = realtime.next_message(|m| m["type"] != "ka");
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        realtime
    }

    fn next_message(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        loop {
            let message = self.socket.read().expect("the socket stays open");
            if let tungstenite::Message::Text(text) = message {
                let value: Value = serde_json::from_str(text.as_str()).unwrap();
                if wanted(&value) {
                    return value;
                }
            }
        }
    }

    /// Subscribes to `channel`: the stand-in's answer (subscribe_success or _error).
    fn subscribe(&mut self, channel: &str) -> Value {
        let message = json!({
            "type": "subscribe", "id": "s-1", "channel": channel, "authorization": self.auth,
        });
        self.socket
            .send(tungstenite::Message::text(message.to_string()))
            .unwrap();
        self.next_message(|m| m["type"] != "ka")
    }

    /// Every event pushed to the caller's own jobs until one is COMPLETE, on a thread.
    fn watch_own_jobs(mut self) -> std::thread::JoinHandle<Vec<Value>> {
        let owner = wiring::owner::channel_owner(&self.sub).expect("a Cognito sub is a segment");
        let answer = self.subscribe(&format!("/jobs/{owner}/*"));
        assert_eq!(answer["type"], "subscribe_success", "{answer}");
        std::thread::spawn(move || {
            let mut events = Vec::new();
            loop {
                let data = self.next_message(|m| m["type"] == "data");
                let event: Value = serde_json::from_str(data["event"].as_str().unwrap()).unwrap();
                let done = event["status"] == "COMPLETE";
                events.push(event);
                if done {
                    return events;
                }
            }
        })
    }
}

/// One claim of a JWT (not verified: the test's own token).
fn claim(token: &str, name: &str) -> String {
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims[name].as_str().unwrap().to_owned()
}

/// Every upload of `testkit::corpus` through the whole stack (issue 19): COMPLETE with a top
/// rendition no larger than the displayed size and oriented like it, or ERROR with the
/// human reason the status answer gives for the case's documented code. A zero-byte file
/// never gets that far: POST /uploads refuses a size of 0.
fn every_corpus_file_ends_as_documented(client: &Client, dir: &std::path::Path) {
    use testkit::corpus::{CASES, Expect};
    for case in CASES {
        let data = case.make(&ffmpeg(), dir);
        if data.is_empty() {
            let refused = client.call(
                "POST",
                "/uploads",
                Some(json!({"fileName": case.file_name, "size": 0})),
            );
            assert_eq!(refused.status, 400, "{}: {}", case.what, refused.text());
            assert!(refused.text().contains("size"), "{}", refused.text());
            continue;
        }
        let input_file = client.upload(case.file_name, &data);
        let (job, _) = client.wait_job(&input_file, Duration::from_secs(60));
        match case.expect {
            Expect::Error { code } => {
                assert_eq!(job["status"], "ERROR", "{}: {job}", case.what);
                assert_eq!(job["errorCode"], code, "{}: {job}", case.what);
                let documented = handlers::domain::error_reason(i64::from(code))
                    .expect("every corpus code has a reason");
                assert_eq!(job["errorReason"], documented.reason, "{}", case.what);
                assert_eq!(job["retryable"], false, "{}", case.what);
            }
            Expect::Complete { shown, top, .. } => {
                assert_eq!(job["status"], "COMPLETE", "{}: {job}", case.what);
                let size = (job["widthPx"].as_u64(), job["heightPx"].as_u64());
                assert_eq!(
                    size,
                    (Some(u64::from(top.0)), Some(u64::from(top.1))),
                    "{}: {job}",
                    case.what
                );
                assert!(top.0 <= shown.0 && top.1 <= shown.1);
            }
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A start-up failure: exit status 1, the cause in the message, nothing left running.
fn fails_cleanly(label: &str, args: &[&str], cause: &[&str]) {
    let mut stack = LocalStack::spawn(label, args);
    let status = stack.wait_exit(Duration::from_secs(90));
    let log = stack.stderr();
    assert_eq!(status.code(), Some(1), "{log}");
    for part in cause {
        assert!(log.contains(part), "{part:?} not in {log:?}");
    }
    assert!(
        stack
            .stdout()
            .iter()
            .all(|l| !l.starts_with("local: ready"))
    );
    assert_eq!(processes_of(&stack.stack_name), Vec::<String>::new());
}

#[test]
fn a_port_in_use_is_named_and_nothing_starts() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    fails_cleanly(
        "port",
        &["--playback-port", &port],
        &[
            &format!("127.0.0.1:{port}"),
            "playback",
            "in use",
            "--playback-port",
        ],
    );
}

#[test]
fn a_missing_ffmpeg_is_named() {
    fails_cleanly(
        "ffmpeg",
        &["--ffmpeg", "/nonexistent/ffmpeg"],
        &["ffmpeg not found at /nonexistent/ffmpeg"],
    );
}

#[test]
fn moto_failing_to_start_is_named_and_stops_everything() {
    // A python whose moto is broken: everything else it runs works.
    let dir = tempfile::tempdir().unwrap();
    let python = dir.path().join("python");
    std::fs::write(
        &python,
        format!(
            "#!/bin/sh\ncase \"$1\" in *local/moto/deploy.py) echo \"ModuleNotFoundError: No module named 'moto'\" >&2; exit 1;; esac\nexec {} \"$@\"\n",
            testkit::tool("python").display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
    fails_cleanly(
        "moto",
        &["--python", python.to_str().unwrap()],
        &["moto failed to start", "No module named 'moto'"],
    );
}

#[test]
fn a_bad_parameter_or_password_is_named_and_moto_stops() {
    fails_cleanly(
        "parameter",
        &["--parameter", "StatusUpdateIntervalSeconds=7"],
        &["StatusUpdateIntervalSeconds=7", "not one of 10, 12, 15"],
    );
    fails_cleanly(
        "password",
        &["--user", "weak@example.com:short"],
        &["--user weak@example.com", "password policy"],
    );
}

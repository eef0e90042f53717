//! status-api at the edge: raw API Gateway payload 2.0 events, as API Gateway forwards them
//! (query strings exactly as the client sent them), through the real binary and the Lambda
//! runtime API. Whatever arrives, the answer is a payload-2.0 response with a 4xx JSON error,
//! never a runtime error (API Gateway's 500), and the process keeps serving.

use std::time::Duration;

use base64::Engine;
use runtime_api::{Function, Invocation};
use testkit::Moto;
use testkit::fixtures::{fixture, mediaconvert_event};
use testkit::functions::{LocalAws, mediaconvert_stub, stub_job_id, text};

testkit::handler_binaries!();

/// Generous: the first invocation of a debug binary includes its cold start.
const ANSWER: Duration = Duration::from_secs(30);

/// The `sub` every event of these tests carries unless it says otherwise.
const ALICE: &str = "0d5b3e9a-70a1-4c1e-9d5e-4f1a2b3c4d5e";

/// A payload 2.0 event from the fixture's shape, with the given route key, path, raw query
/// string (sent as is) and JWT claims.
fn event(
    route_key: &str,
    method: &str,
    raw_path: &str,
    raw_query: &str,
    sub: Option<&str>,
) -> Vec<u8> {
    let mut e = fixture("apigw/get-job.json");
    e["routeKey"] = route_key.into();
    e["requestContext"]["routeKey"] = route_key.into();
    e["rawPath"] = raw_path.into();
    e["requestContext"]["http"]["path"] = raw_path.into();
    e["requestContext"]["http"]["method"] = method.into();
    e["rawQueryString"] = raw_query.into();
    let object = e.as_object_mut().expect("an object");
    object.remove("pathParameters");
    if let Some(id) = route_key
        .contains("{jobId}")
        .then(|| raw_path.strip_prefix("/jobs/")?.split('/').next())
        .flatten()
    {
        object.insert("pathParameters".into(), serde_json::json!({"jobId": id}));
    }
    match sub {
        Some(sub) => e["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = sub.into(),
        None => {
            let context = e["requestContext"].as_object_mut().expect("an object");
            context.remove("authorizer");
        }
    }
    e.to_string().into_bytes()
}

struct Answer {
    status: u64,
    headers: serde_json::Value,
    body: String,
    raw: serde_json::Value,
}

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("the HTTP body is not JSON ({e}): {}", self.body))
    }

    fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// The payload 2.0 response the function answered with; panics (with the log) when it
/// posted a runtime error instead, which API Gateway turns into a 500.
fn answer(function: &Function, invocation: &Invocation) -> Answer {
    let outcome = invocation.outcome.as_ref().expect("an answered invocation");
    if let runtime_api::Outcome::Error(error) = outcome {
        panic!(
            "status-api posted a runtime error (a 500 at API Gateway): {}\nlog:\n{}",
            error.text(),
            function.log()
        );
    }
    let raw = outcome.response().text();
    let value: serde_json::Value = serde_json::from_str(&raw)
        .unwrap_or_else(|e| panic!("status-api answered non-JSON ({e}): {raw}"));
    Answer {
        status: value["statusCode"]
            .as_u64()
            .unwrap_or_else(|| panic!("no statusCode in {raw}")),
        headers: value["headers"].clone(),
        body: value["body"]
            .as_str()
            .unwrap_or_else(|| panic!("no string body in {raw}"))
            .to_string(),
        raw: value,
    }
}

/// The JSON error answer every refusal gives: status, a code, a message, no-store.
fn assert_error(answer: &Answer, status: u64, code: &str, what: &str) {
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (status, code),
        "{what}: {}",
        answer.raw
    );
    assert!(
        answer.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{what}: no message in {}",
        answer.body
    );
    assert_eq!(answer.headers["content-type"], "application/json", "{what}");
    assert_eq!(answer.headers["cache-control"], "no-store", "{what}");
    assert_eq!(answer.raw["isBase64Encoded"], false, "{what}");
}

#[test]
fn raw_query_strings_that_are_not_valid_uris_get_a_4xx_not_a_crash() {
    let aws = LocalAws::create(Moto::shared(), "edge-raw");
    let mut api = aws.spawn(STATUS_API, &[]);
    // lambda_http's Request conversion panicked on each of these (InvalidUriChar).
    for raw in ["inputFile=a\"b", "inputFile=a<b>", "inputFile=a b"] {
        let done = api.invoke(event("GET /jobs", "GET", "/jobs", raw, Some(ALICE)), ANSWER);
        let answer = answer(&api, &done);
        // Keys outside the caller's uploads read as unknown.
        assert_error(&answer, 404, "no_such_file", raw);
    }
}

/// Requests status-api refuses, each with the status, the error code and what it is.
fn bad_requests() -> Vec<(Vec<u8>, u64, &'static str, String)> {
    let long_query = format!("inputFile={}", "a".repeat(8 * 1024));
    let own = format!("uploads/{ALICE}/");
    vec![
        (
            event("GET /jobs", "GET", "/jobs", "inputFile=%zz", Some(ALICE)),
            400,
            "bad_query",
            "%zz".into(),
        ),
        (
            event("GET /jobs", "GET", "/jobs", "inputFile=abc%", Some(ALICE)),
            400,
            "bad_query",
            "a trailing %".into(),
        ),
        (
            event(
                "GET /jobs",
                "GET",
                "/jobs",
                "inputFile=%C3%28.mp4",
                Some(ALICE),
            ),
            400,
            "bad_query",
            "non-UTF-8 escapes".into(),
        ),
        (
            event("GET /jobs", "GET", "/jobs", "inputFile=%FF%FE", Some(ALICE)),
            400,
            "bad_query",
            "non-UTF-8 escapes".into(),
        ),
        (
            event(
                "GET /jobs",
                "GET",
                "/jobs",
                "inputFile=a&inputFile=b",
                Some(ALICE),
            ),
            400,
            "repeated_parameter",
            "a repeated parameter".into(),
        ),
        (
            event("GET /jobs", "GET", "/jobs", &long_query, Some(ALICE)),
            400,
            "too_long",
            "an 8 KB query".into(),
        ),
        (
            event(
                "GET /jobs",
                "GET",
                "/jobs",
                "inputFile=%00.mp4",
                Some(ALICE),
            ),
            400,
            "control_characters",
            "a NUL".into(),
        ),
        (
            event("GET /jobs", "GET", "/jobs", "limit=abc", Some(ALICE)),
            400,
            "bad_limit",
            "limit=abc".into(),
        ),
        (
            event("GET /jobs", "GET", "/jobs", "limit=51", Some(ALICE)),
            400,
            "bad_limit",
            "limit=51".into(),
        ),
        (
            event("GET /jobs", "GET", "/jobs", "cursor=%22%3C%3E", Some(ALICE)),
            400,
            "bad_cursor",
            "a cursor of quotes".into(),
        ),
        (
            event("GET /jobs/{jobId}", "GET", "/jobs/a\"b<c>", "", Some(ALICE)),
            400,
            "bad_job_id",
            "a job id with quotes".into(),
        ),
        (
            event("GET /jobs/{jobId}", "GET", "/jobs/%zz", "", Some(ALICE)),
            400,
            "bad_job_id",
            "a job id with %zz".into(),
        ),
        (
            event("$default", "GET", "/jobs/a/b/../../etc", "", Some(ALICE)),
            404,
            "no_such_route",
            "$default".into(),
        ),
        (
            event("GET /admin", "GET", "/admin", "", Some(ALICE)),
            404,
            "no_such_route",
            "an unknown route key".into(),
        ),
        (
            event("", "GET", "", "", None),
            404,
            "no_such_route",
            "no route key".into(),
        ),
        (
            event(
                "GET /jobs",
                "GET",
                "/jobs",
                &format!("inputFile={own}x.mp4"),
                None,
            ),
            401,
            "unauthorized",
            "no authorizer context".into(),
        ),
        (
            br#"{"version":"2.0","routeKey":"GET /jobs","requestContext":{}}"#.to_vec(),
            400,
            "malformed_event",
            "an event without requestContext.http".into(),
        ),
    ]
}

#[test]
fn bad_queries_paths_and_route_keys_get_a_4xx_and_the_process_keeps_serving() {
    let aws = LocalAws::create(Moto::shared(), "edge-bad");
    let mut api = aws.spawn(STATUS_API, &[]);
    for (raw, status, code, what) in bad_requests() {
        let done = api.invoke(raw, ANSWER);
        assert_error(&answer(&api, &done), status, code, &what);
    }
    // Still the same process, still answering; claims that are not strings and headers with
    // non-ASCII values are no reason to refuse a signed-in user.
    let mut odd: serde_json::Value =
        serde_json::from_slice(&event("GET /jobs", "GET", "/jobs", "limit=5", Some(ALICE)))
            .expect("JSON");
    let claims = &mut odd["requestContext"]["authorizer"]["jwt"]["claims"];
    claims["email_verified"] = true.into();
    claims["cognito:groups"] = serde_json::json!(["a", "b"]);
    claims["auth_time"] = 1_763_942_400.into();
    odd["headers"]["x-name"] = "動画 \"quoted\"".into();
    let done = api.invoke(odd.to_string(), ANSWER);
    let answer = answer(&api, &done);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json(), serde_json::json!({"jobs": []}));
    assert!(api.wait_exit(Duration::ZERO).is_none(), "{}", api.log());
}

/// A loopback endpoint that accepts connections and never answers: a store that hangs.
fn silent_endpoint() -> (String, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let endpoint = format!("http://{}", listener.local_addr().expect("an address"));
    let handle = std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().take(16).flatten() {
            held.push(conn);
        }
    });
    (endpoint, handle)
}

#[test]
fn a_store_that_never_answers_gets_the_documented_503_within_the_lambda_timeout() {
    let aws = LocalAws::create(Moto::shared(), "edge-slow");
    let (endpoint, _server) = silent_endpoint();
    let mut api = aws.spawn(STATUS_API, &[("AWS_ENDPOINT_URL", &endpoint)]);
    // The first event is answered after the process's cold start; time the second.
    let cold = api.invoke(event("GET /jobs", "GET", "/jobs", "", Some(ALICE)), ANSWER);
    assert_error(
        &answer(&api, &cold),
        503,
        "unavailable",
        "the first request",
    );
    let started = std::time::Instant::now();
    let done = api.invoke(
        event("GET /jobs/{jobId}", "GET", "/jobs/1-a", "", Some(ALICE)),
        ANSWER,
    );
    let took = started.elapsed();
    assert_error(&answer(&api, &done), 503, "unavailable", "a hanging store");
    // status-api's Lambda timeout is 10 s, API Gateway's 30 s; the operation timeout is 6 s.
    assert!(took < Duration::from_secs(10), "answered after {took:?}");
}

/// Every way the key could show up in a log: hex in both cases, base64 in both alphabets
/// (padded or not), and its raw bytes.
fn key_forms(key_hex: &str) -> Vec<(String, Vec<u8>)> {
    let raw = (0..16)
        .map(|i| u8::from_str_radix(&key_hex[2 * i..2 * i + 2], 16).expect("hex"))
        .collect::<Vec<u8>>();
    let engines = [
        ("base64", base64::engine::general_purpose::STANDARD),
        (
            "base64 unpadded",
            base64::engine::general_purpose::STANDARD_NO_PAD,
        ),
        ("base64url", base64::engine::general_purpose::URL_SAFE),
        (
            "base64url unpadded",
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ),
    ];
    let mut forms = vec![
        (
            "lower-case hex".to_string(),
            key_hex.to_ascii_lowercase().into_bytes(),
        ),
        (
            "upper-case hex".to_string(),
            key_hex.to_ascii_uppercase().into_bytes(),
        ),
        ("raw bytes".to_string(), raw.clone()),
    ];
    for (name, engine) in engines {
        forms.push((name.to_string(), engine.encode(&raw).into_bytes()));
    }
    forms
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn create_job_job_state_and_status_api_at_trace_level_never_log_the_key() {
    let aws = LocalAws::create(Moto::shared(), "edge-trace");
    let mediaconvert = mediaconvert_stub();
    let trace = ("RUST_LOG", "trace");
    let mut create_job = aws.spawn(
        CREATE_JOB,
        &[
            ("AWS_ENDPOINT_URL_MEDIACONVERT", &mediaconvert.endpoint()),
            trace,
        ],
    );
    let mut event = fixture("s3/object-created.json");
    let record = &mut event["Records"][0]["s3"];
    record["bucket"]["name"] = aws.names.input_bucket.as_str().into();
    record["object"]["key"] = format!("uploads/{ALICE}/5f1c/clip.mp4").into();
    create_job.invoke_ok(event.to_string(), ANSWER);

    let request: serde_json::Value =
        serde_json::from_slice(&mediaconvert.requests()[0].body).expect("JSON");
    let job_id = request["userMetadata"]["job"]
        .as_str()
        .expect("the job id in the user metadata")
        .to_string();
    let output = aws
        .item(&aws.names.job_output_table, "JobId", &job_id)
        .expect("the job's Output item");
    let key_hex = text(&output, "KeyValue").to_string();
    assert_eq!(
        request["settings"]["outputGroups"][0]["outputGroupSettings"]["hlsGroupSettings"]["encryption"]
            ["staticKeyProvider"]["url"],
        format!("{}/jobs/{job_id}/key", testkit::functions::API_URL),
        "the playlists fetch the key from the API"
    );
    assert_eq!(request["userMetadata"]["owner"], ALICE, "{request}");
    let upload = aws
        .item(
            &aws.names.input_file_table,
            "InputFile",
            &format!("uploads/{ALICE}/5f1c/clip.mp4"),
        )
        .expect("the input-file item");
    assert_eq!(text(&upload, "Owner"), ALICE, "listed under its owner");

    let mut job_state = aws.spawn(JOB_STATE, &[trace]);
    for fixture in [
        "mediaconvert/status-update.json",
        "mediaconvert/complete.json",
    ] {
        let mut event: serde_json::Value =
            serde_json::from_slice(&mediaconvert_event(fixture, &stub_job_id(0))).expect("JSON");
        event["detail"]["userMetadata"] = request["userMetadata"].clone();
        job_state.invoke_ok(event.to_string(), ANSWER);
    }
    let status = aws
        .item(&aws.names.job_status_table, "JobId", &job_id)
        .expect("a status item");
    assert_eq!(
        (text(&status, "JobStatus"), text(&status, "Owner")),
        ("COMPLETE", ALICE)
    );
    let key_file = aws
        .keys(&aws.names.output_bucket)
        .into_iter()
        .find(|k| k.ends_with(".key"))
        .expect("the key file was written");
    assert_eq!(
        aws.object(&aws.names.output_bucket, &key_file)
            .map(hex::encode),
        Some(key_hex.clone())
    );

    // The key endpoint: the owner gets the 16 bytes (base64 in the Lambda answer, the one
    // place the key leaves the stack); anyone else the 404 of an unknown job.
    let mut status_api = aws.spawn(STATUS_API, &[trace]);
    let route = "GET /jobs/{jobId}/key";
    let mut ask = |path: &str, sub: &str| {
        let invocation = status_api.invoke(crate::event(route, "GET", path, "", Some(sub)), ANSWER);
        answer(&status_api, &invocation)
    };
    let unknown_job = "00000000000000000000000000000000";
    let own = ask(&format!("/jobs/{job_id}/key"), ALICE);
    let theirs = ask(&format!("/jobs/{job_id}/key"), "mallory");
    let unknown = ask(&format!("/jobs/{unknown_job}/key"), "mallory");
    assert_eq!(own.status, 200, "{}", own.body);
    assert_eq!(own.raw["isBase64Encoded"], true);
    assert_eq!(own.headers["content-type"], "application/octet-stream");
    assert_eq!(own.headers["cache-control"], "no-store");
    let key = base64::engine::general_purpose::STANDARD
        .decode(&own.body)
        .expect("base64");
    assert_eq!(hex::encode(&key), key_hex);
    assert_error(&theirs, 404, "no_such_job", "another user's key");
    assert_eq!(
        theirs.body.replace(&job_id, "J"),
        unknown.body.replace(unknown_job, "J"),
        "the same answer as an unknown job"
    );
    for (form, bytes) in key_forms(&key_hex) {
        assert!(
            !contains(theirs.raw.to_string().as_bytes(), &bytes),
            "the refusal holds the key as {form}"
        );
    }

    for (who, function) in [
        ("create-job", &create_job),
        ("job-state", &job_state),
        ("status-api", &status_api),
    ] {
        let log = function.log_bytes();
        // RUST_LOG=trace took effect: the runtime's own debug lines are there.
        assert!(
            contains(&log, b"\"level\":\"DEBUG\"") || contains(&log, b"\"level\":\"TRACE\""),
            "{who} logged nothing below info at RUST_LOG=trace:\n{}",
            function.log()
        );
        for (form, bytes) in key_forms(&key_hex) {
            assert!(
                !contains(&log, &bytes),
                "{who}'s log holds the key as {form}"
            );
        }
    }
}

//! status-api at the edge: raw API Gateway payload 2.0 events, as API Gateway forwards them
//! (query strings exactly as the client sent them), through the real binary and the Lambda
//! runtime API. Whatever arrives, the answer is a payload-2.0 response with a 4xx JSON error,
//! never a runtime error (API Gateway's 500), and the process keeps serving.

#[path = "runtime_api/setup.rs"]
#[allow(dead_code)] // the runtime API tests use the rest
mod setup;

use std::time::Duration;

use setup::{LocalAws, STATUS_API, fixture};
use testkit::Moto;
use testkit::runtime_api::{Function, Invocation};

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
        .ends_with("{jobId}")
        .then(|| raw_path.rsplit('/').next())
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
    if let testkit::runtime_api::Outcome::Error(error) = outcome {
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

#[test]
fn bad_queries_paths_and_route_keys_get_a_4xx_and_the_process_keeps_serving() {
    let aws = LocalAws::create(Moto::shared(), "edge-bad");
    let mut api = aws.spawn(STATUS_API, &[]);
    let long_query = format!("inputFile={}", "a".repeat(8 * 1024));
    let own = format!("uploads/{ALICE}/");
    let cases: Vec<(Vec<u8>, u64, &str, String)> = vec![
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
    ];
    for (raw, status, code, what) in cases {
        let done = api.invoke(raw, ANSWER);
        assert_error(&answer(&api, &done), status, code, &what);
    }
    // Still the same process, still answering.
    let done = api.invoke(
        event("GET /jobs", "GET", "/jobs", "limit=5", Some(ALICE)),
        ANSWER,
    );
    let answer = answer(&api, &done);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json(), serde_json::json!({"jobs": []}));
    assert!(api.wait_exit(Duration::ZERO).is_none(), "{}", api.log());
}

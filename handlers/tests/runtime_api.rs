//! The three handler binaries run as Lambda runs them: a fresh process whose
//! `AWS_LAMBDA_RUNTIME_API` points at a local Runtime API stub, configured only through the
//! environment of docs/wiring.md, with DynamoDB and S3 served by moto.
//!
//! create-job talks to MediaConvert, which has no emulator: here it is pointed (through
//! `AWS_ENDPOINT_URL_MEDIACONVERT`, which the SDK honours) at a loopback stand-in that answers
//! CreateJob and records the request, so the whole path from an S3 event to the three tables
//! runs in the real binary. The request's full content is checked in the library's own tests
//! with the SDK's capture utilities; here it is the wiring that counts.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use runtime_api::{Function, Invocation};
use testkit::Moto;
use testkit::fixtures::{fixture, get_job_event, mediaconvert_event, owned_mediaconvert_event};
use testkit::functions::{Binary, LocalAws, mediaconvert_stub, stub_job_id, text};

testkit::handler_binaries!();

/// Generous: the first invocation of a debug binary includes its cold start.
const ANSWER: Duration = Duration::from_secs(30);

/// The HTTP answer a status-api invocation returned (API Gateway payload 2.0 response).
struct HttpAnswer {
    status: u64,
    headers: serde_json::Value,
    body: serde_json::Value,
}

fn http_answer(invocation: &Invocation) -> HttpAnswer {
    let outcome = invocation.outcome.as_ref().expect("an answered invocation");
    let raw = outcome.response().text();
    let answer: serde_json::Value = serde_json::from_str(&raw)
        .unwrap_or_else(|e| panic!("status-api answered non-JSON ({e}): {raw}"));
    let body = answer["body"]
        .as_str()
        .unwrap_or_else(|| panic!("no string body in {raw}"));
    HttpAnswer {
        status: answer["statusCode"]
            .as_u64()
            .unwrap_or_else(|| panic!("no statusCode in {raw}")),
        headers: answer["headers"].clone(),
        body: serde_json::from_str(body)
            .unwrap_or_else(|e| panic!("the HTTP body is not JSON ({e}): {body}")),
    }
}

/// The runtime error a handler posted: `errorType` and `errorMessage`, as Lambda logs them.
fn runtime_error(invocation: &Invocation) -> String {
    let outcome = invocation.outcome.as_ref().expect("an answered invocation");
    let raw = outcome.error().text();
    let error: serde_json::Value = serde_json::from_str(&raw)
        .unwrap_or_else(|e| panic!("the error post is not JSON ({e}): {raw}"));
    let message = error["errorMessage"].as_str().unwrap_or_default();
    assert!(
        !message.trim().is_empty(),
        "an error without a message: {raw}"
    );
    message.to_string()
}

#[test]
fn status_api_answers_an_unknown_job_with_a_404_json_error() {
    let aws = LocalAws::create(Moto::shared(), "rt-status-404");
    let mut api = aws.spawn(STATUS_API, &[]);

    let answer = http_answer(&api.invoke(get_job_event("1763942400999-nojob1"), ANSWER));

    assert_eq!(answer.status, 404, "body: {}", answer.body);
    let error = &answer.body["error"];
    assert!(
        error["code"].as_str().is_some_and(|c| !c.is_empty()),
        "no error code in {}",
        answer.body
    );
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "no error message in {}",
        answer.body
    );
    assert!(
        answer.headers["content-type"]
            .as_str()
            .is_some_and(|t| t.starts_with("application/json")),
        "headers: {}",
        answer.headers
    );
}

#[test]
fn status_api_presigns_an_upload_url_that_moto_accepts() {
    let aws = LocalAws::create(Moto::shared(), "rt-upload");
    // Not the stack's value: the key must follow the variable, not a built-in prefix.
    let mut api = aws.spawn(STATUS_API, &[("UPLOAD_PREFIX", "rt/uploads/")]);

    let event = fixture("apigw/post-upload.json").to_string();
    let answer = http_answer(&api.invoke(event, ANSWER));

    assert!(
        matches!(answer.status, 200 | 201),
        "status {}, body: {}",
        answer.status,
        answer.body
    );
    let url = answer.body["uploadUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("no uploadUrl in {}", answer.body));
    let key = answer.body["inputFile"]
        .as_str()
        .unwrap_or_else(|| panic!("no inputFile in {}", answer.body));
    assert!(
        key.starts_with("rt/uploads/") && key.ends_with("/Big Buck Bunny.mp4"),
        "key {key}"
    );
    assert!(url.contains("X-Amz-Signature="), "not presigned: {url}");
    let headers: Vec<(String, String)> = answer.body["headers"]
        .as_object()
        .map(|h| {
            h.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    // Lambda sets _X_AMZN_TRACE_ID for every invocation (the runtime API stub sends a trace
    // id) and the SDK adds it to requests as x-amzn-trace-id; it is not signed, and a browser
    // sending it would need a CORS preflight the input bucket does not allow.
    let signed = query_param(url, "X-Amz-SignedHeaders")
        .unwrap_or_else(|| panic!("no X-Amz-SignedHeaders in {url}"))
        .replace("%3B", ";");
    let signed: Vec<&str> = signed.split(';').collect();
    assert!(
        headers.iter().any(|(name, _)| name == "content-type"),
        "the signed content type is not in the headers to send: {headers:?}"
    );
    for (name, _) in &headers {
        assert!(
            signed.contains(&name.as_str()),
            "the answer tells the browser to send {name}, which the URL does not sign ({signed:?})"
        );
        assert!(
            !["host", "x-amzn-trace-id"].contains(&name.as_str()),
            "the answer tells the browser to send {name}"
        );
    }

    // The signature was made in another process with its own clock and config: only a real
    // PUT shows the URL, the bucket and the signed headers agree.
    let status = http_put(url, &headers, b"not really a video");
    assert_eq!(status, 200, "PUT to the presigned URL {url}");
    assert_eq!(
        aws.object(&aws.names.input_bucket, key).as_deref(),
        Some(&b"not really a video"[..]),
        "the upload did not land at {key} in the input bucket"
    );
}

#[test]
fn status_api_starts_a_multipart_upload_with_each_parts_length_signed() {
    let aws = LocalAws::create(Moto::shared(), "rt-multipart");
    let mut api = aws.spawn(STATUS_API, &[]);
    let event = fixture("apigw/post-upload-multipart.json").to_string();
    let answer = http_answer(&api.invoke(event, ANSWER));
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.body["method"], "MULTIPART");
    // 158,008,374 bytes in 16 MiB parts; the first 8 come presigned.
    assert_eq!(answer.body["partCount"], 10);
    let parts = answer.body["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 8);
    for part in parts {
        let url = part["url"].as_str().unwrap();
        let signed = query_param(url, "X-Amz-SignedHeaders")
            .unwrap()
            .replace("%3B", ";");
        assert_eq!(signed, "content-length;host", "{url}");
        assert_eq!(
            part["headers"],
            serde_json::json!({"content-length": "16777216"})
        );
    }

    // Completing with no part uploaded goes to S3 (ListParts) from the binary and refuses.
    let mut complete = fixture("apigw/post-upload-multipart.json");
    complete["routeKey"] = "POST /uploads/complete".into();
    complete["body"] = serde_json::json!({
        "inputFile": answer.body["inputFile"],
        "uploadId": answer.body["uploadId"],
    })
    .to_string()
    .into();
    let refused = http_answer(&api.invoke(complete.to_string(), ANSWER));
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(refused.body["error"]["code"], "parts_missing");
    assert!(
        aws.object(
            &aws.names.input_bucket,
            answer.body["inputFile"].as_str().unwrap()
        )
        .is_none()
    );
}

/// The raw (still percent-encoded) value of a URL's query parameter.
fn query_param<'a>(url: &'a str, name: &str) -> Option<&'a str> {
    let (_, query) = url.split_once('?')?;
    query.split('&').find_map(|pair| {
        pair.strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('='))
    })
}

/// A plain HTTP/1.1 PUT (what a browser does with the URL); returns the status code.
fn http_put(url: &str, headers: &[(String, String)], body: &[u8]) -> u16 {
    let rest = url
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("expected a loopback http URL, got {url}"));
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut conn = TcpStream::connect(authority).expect("connect to the presigned URL's host");
    let mut head = format!(
        "PUT {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    // As a browser: Content-Length comes from the body, whatever length the URL signs.
    for (name, value) in headers.iter().filter(|(name, _)| name != "content-length") {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    conn.write_all(head.as_bytes()).expect("send the PUT");
    conn.write_all(body).expect("send the body");
    let mut answer = String::new();
    conn.read_to_string(&mut answer).expect("read the answer");
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:.200}"))
}

#[test]
fn job_state_completes_a_job_and_status_api_reports_it() {
    let aws = LocalAws::create(Moto::shared(), "rt-complete");
    let job_id = &testkit::fixtures::job_id("e2e001");
    let output_path = format!("hls/{job_id}/");
    let key_hex = "00112233445566778899aabbccddeeff";
    aws.put_output_item(
        job_id,
        &output_path,
        &format!("keys/{job_id}/Big_Buck_Bunny.key"),
        key_hex,
    );
    let mut job_state = aws.spawn(JOB_STATE, &[]);
    // The owner create-job put into the job's user metadata: the API fixtures' caller.
    let owner = testkit::fixtures::fixture_owner();
    let mut deliver = |fixture: &str| {
        job_state.invoke_ok(owned_mediaconvert_event(fixture, job_id, &owner), ANSWER);
        let status = aws
            .item(&aws.names.job_status_table, "JobId", job_id)
            .unwrap_or_else(|| panic!("no status item after {fixture}"));
        format!(
            "{} {} {}",
            text(&status, "JobStatus"),
            text(&status, "ProgressRate"),
            text(&status, "Owner") == owner
        )
    };

    assert_eq!(
        deliver("mediaconvert/status-update.json"),
        "PROGRESSING 31 true"
    );
    assert_eq!(deliver("mediaconvert/complete.json"), "COMPLETE 100 true");
    let key_file = aws
        .object(
            &aws.names.output_bucket,
            &format!("keys/{job_id}/Big_Buck_Bunny.key"),
        )
        .expect("the key file, outside the served hls/ prefix");
    assert_eq!(
        key_file,
        (0..16u8).map(|i| i * 0x11).collect::<Vec<u8>>(),
        "the key file holds the 16 key bytes"
    );
    let info = aws
        .object(
            &aws.names.output_bucket,
            &format!("keys/{job_id}/info.json"),
        )
        .expect("info.json beside the key file");
    let info: serde_json::Value = serde_json::from_slice(&info).expect("info.json is JSON");
    assert!(
        info.to_string().contains("596458"),
        "info.json lacks the duration: {info}"
    );

    let mut status_api = aws.spawn(STATUS_API, &[]);
    let answer = http_answer(&status_api.invoke(get_job_event(job_id), ANSWER));
    assert_eq!(answer.status, 200, "body: {}", answer.body);
    assert_eq!(
        (
            answer.body["status"].as_str(),
            answer.body["progress"].as_u64()
        ),
        (Some("COMPLETE"), Some(100)),
        "body: {}",
        answer.body
    );
    for (who, out) in [
        ("status-api's answer", answer.body.to_string()),
        ("job-state's log", job_state.log()),
        ("status-api's log", status_api.log()),
    ] {
        assert!(!out.contains(key_hex), "the key value is in {who}");
    }
}

#[test]
fn job_state_takes_an_owner_the_metadata_cannot_carry_from_the_output_item() {
    let aws = LocalAws::create(Moto::shared(), "rt-owner");
    let job_id = &testkit::fixtures::job_id("own001");
    // A `sub` that is not a plain token gets the `~` form, whose `~` MediaConvert refuses
    // in a metadata value: create-job leaves it out there and keeps it on the output item.
    let owner = handlers::http::owner_segment("auth0|5f1c2e3d");
    assert!(owner.starts_with('~'));
    aws.put_output_item(
        job_id,
        &format!("hls/{job_id}/"),
        "keys/k.key",
        "00112233445566778899aabbccddeeff",
    );
    aws.rt
        .block_on(
            aws.dynamodb
                .update_item()
                .table_name(&aws.names.job_output_table)
                .key("JobId", testkit::functions::s(job_id))
                .update_expression("SET #o = :o")
                .expression_attribute_names("#o", "Owner")
                .expression_attribute_values(":o", testkit::functions::s(&owner))
                .send(),
        )
        .expect("the owner on the output item");
    let mut job_state = aws.spawn(JOB_STATE, &[]);
    let mut event: serde_json::Value = serde_json::from_slice(&mediaconvert_event(
        "mediaconvert/status-update.json",
        job_id,
    ))
    .unwrap();
    event["detail"]["userMetadata"]["ownerOnOutput"] = "true".into();
    job_state.invoke_ok(event.to_string().into_bytes(), ANSWER);
    let status = aws
        .item(&aws.names.job_status_table, "JobId", job_id)
        .expect("a status item");
    assert_eq!(text(&status, "JobStatus"), "PROGRESSING");
    assert_eq!(text(&status, "Owner"), owner);
}

#[test]
fn job_state_posts_runtime_errors_for_bad_events_and_keeps_serving() {
    let aws = LocalAws::create(Moto::shared(), "rt-bad-events");
    let mut job_state = aws.spawn(JOB_STATE, &[]);

    let not_json = job_state.invoke("{\"detail\": ", ANSWER);
    runtime_error(&not_json);

    let no_job_id = job_state.invoke(
        r#"{"detail": {"status": "STATUS_UPDATE", "jobProgress": {"jobPercentComplete": 5}}}"#,
        ANSWER,
    );
    let message = runtime_error(&no_job_id);
    assert!(
        message.contains("jobId"),
        "the error does not name jobId: {message}"
    );

    // COMPLETE for a job whose Output item is missing: Lambda must retry, not settle for a
    // status without its key file.
    let orphan = &testkit::fixtures::job_id("orphan");
    let message = runtime_error(&job_state.invoke(
        mediaconvert_event("mediaconvert/complete.json", orphan),
        ANSWER,
    ));
    assert!(
        message.contains(orphan),
        "the error does not name the job: {message}"
    );
    assert!(
        aws.scan(&aws.names.job_status_table).is_empty(),
        "a failed COMPLETE left a status item"
    );
    assert!(
        aws.keys(&aws.names.output_bucket).is_empty(),
        "a failed COMPLETE wrote to the output bucket"
    );

    // The same process (Lambda reuses it after a failed invocation) still does its work.
    let job_id = &testkit::fixtures::job_id("after1");
    job_state.invoke_ok(
        mediaconvert_event("mediaconvert/status-update.json", job_id),
        ANSWER,
    );
    assert!(
        aws.item(&aws.names.job_status_table, "JobId", job_id)
            .is_some()
    );
}

#[test]
fn job_state_reports_an_unreachable_store_as_a_runtime_error() {
    // A moto of its own: stopping the shared one would break the other tests.
    let mut moto = Moto::start();
    let aws = LocalAws::create(&moto, "rt-unreachable");
    let mut job_state = aws.spawn(JOB_STATE, &[]);
    let event = |job_id: &str| mediaconvert_event("mediaconvert/status-update.json", job_id);
    job_state.invoke_ok(event(&testkit::fixtures::job_id("reach1")), ANSWER);

    moto.stop();
    let failed = job_state.invoke(event(&testkit::fixtures::job_id("reach2")), ANSWER);

    // An error post is what makes Lambda retry the event and, after that, keep it in the DLQ;
    // an answer or a crash would lose it.
    runtime_error(&failed);
    assert!(
        job_state.wait_exit(Duration::ZERO).is_none(),
        "job-state died instead of reporting the failure; log:\n{}",
        job_state.log()
    );
}

#[test]
fn create_job_starts_one_job_per_upload_even_when_the_event_is_redelivered() {
    let aws = LocalAws::create(Moto::shared(), "rt-create");
    let mediaconvert = mediaconvert_stub();
    let mut create_job = aws.spawn(
        CREATE_JOB,
        &[("AWS_ENDPOINT_URL_MEDIACONVERT", &mediaconvert.endpoint())],
    );
    let mut event = fixture("s3/object-created.json");
    event["Records"][0]["s3"]["bucket"]["name"] = aws.names.input_bucket.as_str().into();
    event["Records"][0]["s3"]["bucket"]["arn"] =
        format!("arn:aws:s3:::{}", aws.names.input_bucket).into();
    let event = event.to_string();
    let input_key = "uploads/Big Buck Bunny 動画.mp4";
    let job_id = handlers::domain::client_request_token(
        input_key,
        &handlers::domain::normalize_sequencer(
            fixture("s3/object-created.json")["Records"][0]["s3"]["object"]["sequencer"]
                .as_str()
                .unwrap(),
        )
        .unwrap(),
    );

    create_job.invoke_ok(event.clone(), ANSWER);

    let calls = mediaconvert.requests();
    assert_eq!(calls.len(), 1, "CreateJob calls: {calls:?}");
    assert_eq!(
        (calls[0].method.as_str(), calls[0].path.as_str()),
        ("POST", "/2017-08-29/jobs")
    );
    let request: serde_json::Value =
        serde_json::from_slice(&calls[0].body).expect("CreateJob's body is JSON");
    let submitted_at: i64 = request["userMetadata"]["submittedAt"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("submittedAt holds epoch milliseconds");
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert!(
        (0..60_000).contains(&(now_ms - submitted_at)),
        "submittedAt is the submission time"
    );
    assert_eq!(
        request["userMetadata"],
        serde_json::json!({
            "stack": testkit::functions::STACK_NAME,
            "job": job_id,
            "submittedAt": submitted_at.to_string(),
        })
    );
    assert_eq!(request["role"], testkit::functions::ROLE_ARN);
    assert_eq!(request["jobTemplate"], testkit::functions::JOB_TEMPLATE);
    assert_eq!(
        request["settings"]["inputs"][0]["fileInput"],
        format!("s3://{}/{input_key}", aws.names.input_bucket)
    );
    assert_eq!(
        request["settings"]["inputs"][0]["audioSelectors"]["Audio Selector 1"]["defaultSelection"],
        "DEFAULT",
        "the job carries its own audio selector"
    );

    let output = aws
        .item(&aws.names.job_output_table, "JobId", &job_id)
        .expect("an Output item for the job MediaConvert created");
    let key_hex = text(&output, "KeyValue");
    assert_eq!(key_hex.len(), 32, "a 16-byte key in hex");
    let status = aws
        .item(&aws.names.job_status_table, "JobId", &job_id)
        .expect("a status item");
    assert_eq!(text(&status, "JobStatus"), "SUBMITTED");
    assert_eq!(text(&status, "MediaConvertJobId"), stub_job_id(0));
    let latest = aws
        .item(&aws.names.input_file_table, "InputFile", input_key)
        .expect("an InputFile item for the decoded key");
    assert_eq!(text(&latest, "JobId"), job_id);
    assert!(
        !create_job.log().contains(key_hex),
        "the key value is in create-job's log"
    );

    // Lambda retries an S3 event after minutes, past CreateJob's one-minute idempotency
    // window: only the binary's own guard keeps this from starting a second transcode.
    create_job.invoke_ok(event, ANSWER);
    assert_eq!(
        mediaconvert.requests().len(),
        1,
        "a redelivered event called CreateJob again"
    );
    assert_eq!(aws.scan(&aws.names.job_output_table).len(), 1);
}

#[test]
fn each_binary_refuses_to_start_with_a_missing_or_malformed_variable() {
    let aws = LocalAws::create(Moto::shared(), "rt-config");
    let cases: [(Binary, &str, Option<&str>); 8] = [
        (CREATE_JOB, "JOB_STATUS_TABLE", None),
        (CREATE_JOB, "STATUS_UPDATE_INTERVAL_SECONDS", Some("7")),
        (JOB_STATE, "OUTPUT_BUCKET", None),
        (JOB_STATE, "TTL_DAYS", Some("a week")),
        (STATUS_API, "INPUT_BUCKET", None),
        (STATUS_API, "VIDEO_SUFFIXES", Some("mp4 mov")),
        (STATUS_API, "UPLOAD_PREFIX", None),
        (STATUS_API, "UPLOAD_PREFIX", Some("/uploads/")),
    ];
    for (binary, var, bad_value) in cases {
        let mut env = aws.env(binary);
        env.retain(|(name, _)| name != var);
        if let Some(value) = bad_value {
            env.push((var.to_string(), value.to_string()));
        }
        let mut function = Function::spawn(std::path::Path::new(binary.path), env);
        let what = format!("{} with {var} {bad_value:?}", binary.name);
        let reported = refused_start(&mut function, Duration::from_secs(20))
            .unwrap_or_else(|| panic!("{what} still runs; log:\n{}", function.log()));
        assert!(
            reported.contains(var),
            "{what}: the start failure does not name {var}: {reported}"
        );
    }
}

/// Waits for a start failure as Lambda sees one: an init error posted, or the process exiting
/// non-zero. Returns what was reported (init error body and log).
fn refused_start(function: &mut Function, limit: Duration) -> Option<String> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(init) = function.api().wait_init_error(Duration::from_millis(50)) {
            return Some(format!("{}\n{}", init.text(), function.log()));
        }
        if let Some(status) = function.wait_exit(Duration::from_millis(50)) {
            assert!(
                !status.success(),
                "exited with success; log:\n{}",
                function.log()
            );
            return Some(function.log());
        }
    }
    None
}

// ---- job-state's metrics: CloudWatch embedded metric format ----

/// The units CloudWatch accepts in a metric definition.
const EMF_UNITS: [&str; 27] = [
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

/// The members of `object` outside `allowed`: the spec's objects hold no other member.
fn extra_members(
    object: &serde_json::Map<String, serde_json::Value>,
    allowed: &[&str],
) -> Vec<String> {
    object
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .cloned()
        .collect()
}

/// Checks one log line against the embedded metric format specification and returns
/// `(metric name, value, dimension sets)` of each metric it defines. Panics naming the rule.
fn emf_metrics(line: &str) -> Vec<(String, serde_json::Value, Vec<Vec<String>>)> {
    let root: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| {
        panic!("an EMF line is one JSON object with nothing around it ({e}): {line}")
    });
    let root = root
        .as_object()
        .unwrap_or_else(|| panic!("the root is an object: {line}"));
    let aws = root["_aws"]
        .as_object()
        .unwrap_or_else(|| panic!("`_aws` is an object: {line}"));
    assert!(
        extra_members(aws, &["Timestamp", "CloudWatchMetrics", "LogGroupName"]).is_empty(),
        "{line}"
    );
    let timestamp = aws["Timestamp"]
        .as_i64()
        .unwrap_or_else(|| panic!("Timestamp is a number: {line}"));
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert!(
        (now_ms - timestamp).abs() < 3_600_000,
        "Timestamp is epoch milliseconds of now: {line}"
    );
    let directives = aws["CloudWatchMetrics"]
        .as_array()
        .unwrap_or_else(|| panic!("CloudWatchMetrics is an array: {line}"));
    assert!(!directives.is_empty(), "{line}");
    let mut found = Vec::new();
    for directive in directives {
        let directive = directive
            .as_object()
            .expect("a metric directive is an object");
        assert!(
            extra_members(directive, &["Namespace", "Dimensions", "Metrics"]).is_empty(),
            "{line}"
        );
        let namespace = directive["Namespace"]
            .as_str()
            .expect("Namespace is a string");
        assert!(
            (1..=255).contains(&namespace.len()) && !namespace.starts_with("AWS/"),
            "{line}"
        );
        let mut sets = Vec::new();
        for set in directive["Dimensions"]
            .as_array()
            .expect("Dimensions is an array of sets")
        {
            let set: Vec<String> = set
                .as_array()
                .expect("a dimension set is an array")
                .iter()
                .map(|d| d.as_str().expect("a dimension is a member name").to_owned())
                .collect();
            assert!((1..=30).contains(&set.len()), "{line}");
            for name in &set {
                let value = root.get(name).and_then(|v| v.as_str()).unwrap_or_else(|| {
                    panic!("dimension {name} references a top-level string: {line}")
                });
                assert!(!value.is_empty() && value.len() <= 1024, "{line}");
            }
            sets.push(set);
        }
        let metrics = directive["Metrics"]
            .as_array()
            .expect("Metrics is an array");
        assert!((1..=100).contains(&metrics.len()), "{line}");
        for metric in metrics {
            let metric = metric
                .as_object()
                .expect("a metric definition is an object");
            assert!(
                extra_members(metric, &["Name", "Unit", "StorageResolution"]).is_empty(),
                "{line}"
            );
            let name = metric["Name"].as_str().expect("Name is a string");
            if let Some(unit) = metric.get("Unit") {
                assert!(
                    EMF_UNITS.contains(&unit.as_str().unwrap_or_default()),
                    "unit of {name}: {line}"
                );
            }
            let value = root
                .get(name)
                .unwrap_or_else(|| panic!("metric {name} references a top-level member: {line}"));
            assert!(
                value.is_number(),
                "metric {name} has a numeric value: {line}"
            );
            assert_eq!(namespace, "VodProgress");
            found.push((name.to_owned(), value.clone(), sets.clone()));
        }
    }
    found
}

/// The EMF lines among a process's output: the JSON objects with an `_aws` member.
fn emf_lines(log: &str) -> Vec<String> {
    log.lines()
        .filter(|l| {
            serde_json::from_str::<serde_json::Value>(l).is_ok_and(|v| v.get("_aws").is_some())
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn job_state_prints_embedded_metrics_once_per_finished_job() {
    let aws = LocalAws::create(Moto::shared(), "rt-emf");
    let (done, failed) = (
        &testkit::fixtures::job_id("emf001"),
        &testkit::fixtures::job_id("emf002"),
    );
    aws.put_output_item(
        done,
        &format!("hls/{done}/"),
        &format!("keys/{done}/a.key"),
        "00112233445566778899aabbccddeeff",
    );
    let mut job_state = aws.spawn(JOB_STATE, &[]);
    let with_submission = |path: &str, job_id: &str, submitted_ms: i64| {
        let mut event: serde_json::Value =
            serde_json::from_slice(&mediaconvert_event(path, job_id)).unwrap();
        event["detail"]["userMetadata"]["submittedAt"] = submitted_ms.to_string().into();
        event.to_string().into_bytes()
    };
    let complete = fixture("mediaconvert/complete.json");
    let finished_ms = complete["detail"]["timestamp"]
        .as_i64()
        .expect("the fixture has a timestamp");
    let stack = complete["detail"]["userMetadata"]["stack"]
        .as_str()
        .unwrap()
        .to_owned();
    let complete = with_submission("mediaconvert/complete.json", done, finished_ms - 754_250);
    job_state.invoke_ok(
        with_submission("mediaconvert/status-update.json", done, 0),
        ANSWER,
    );
    job_state.invoke_ok(complete.clone(), ANSWER);
    // A redelivered COMPLETE changes nothing and counts nothing.
    job_state.invoke_ok(complete, ANSWER);
    job_state.invoke_ok(
        with_submission("mediaconvert/error.json", failed, 0),
        ANSWER,
    );

    // The process's stdout reaches the log through a reader thread: give the last answer's
    // lines a moment to arrive.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while emf_lines(&job_state.log()).len() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let lines = emf_lines(&job_state.log());
    assert_eq!(
        lines.len(),
        2,
        "one line per finished job:\n{}",
        job_state.log()
    );
    let stack_only = vec![vec!["Stack".to_owned()]];
    let completed = emf_metrics(&lines[0]);
    assert_eq!(
        completed,
        vec![
            (
                "JobsCompleted".to_owned(),
                serde_json::json!(1),
                stack_only.clone()
            ),
            (
                "SecondsToComplete".to_owned(),
                serde_json::json!(754.25),
                stack_only.clone()
            ),
        ],
        "{}",
        lines[0]
    );
    let failures = emf_metrics(&lines[1]);
    let by_code = vec![
        vec!["Stack".to_owned()],
        vec!["Stack".to_owned(), "ErrorCode".to_owned()],
    ];
    assert_eq!(
        failures,
        vec![("JobsFailed".to_owned(), serde_json::json!(1), by_code)],
        "{}",
        lines[1]
    );
    for line in &lines {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(
            v["Stack"],
            stack.as_str(),
            "the stack dimension comes from user metadata"
        );
    }
    let error: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
    assert_eq!(error["ErrorCode"], "1030");
}

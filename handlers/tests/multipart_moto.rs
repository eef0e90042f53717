//! Multipart uploads through status-api against moto: start, the parts' URLs, what S3 holds,
//! complete (only when the parts make the declared size), abort, and the requests refused.
//! moto checks no signature, so the refused part length is shown on s3s-fs
//! (tests/upload_length.rs).

mod common;

use common::Local;
use common::api::{ALICE, Answer, api_event, api_request, assert_refused, call, http_put};
use handlers::domain::multipart::PART_BYTES;
use handlers::entrypoints::StatusApi;
use serde_json::{Value, json};
use testkit::Moto;

async fn api(label: &str) -> (Local, StatusApi) {
    let local = Local::create(&Moto::shared().endpoint(), label).await;
    let api = StatusApi::new(
        local.status_api_config(),
        local.dynamodb.clone(),
        local.s3.clone(),
        common::mediaconvert(&[]).1,
    );
    (local, api)
}

fn start_body(size: u64) -> String {
    json!({"fileName": "family.mp4", "size": size}).to_string()
}

async fn start(api: &StatusApi, size: u64) -> Answer {
    call(
        api,
        api_request("POST /uploads", "/uploads", &[], Some(&start_body(size))),
    )
    .await
}

fn named(answer: &Answer) -> Value {
    json!({"inputFile": answer.body["inputFile"], "uploadId": answer.body["uploadId"]})
}

async fn post(api: &StatusApi, route: &str, body: &Value) -> Answer {
    let path = route.split(' ').nth(1).unwrap();
    call(api, api_request(route, path, &[], Some(&body.to_string()))).await
}

async fn held(api: &StatusApi, upload: &Value) -> Answer {
    let query = [
        ("inputFile", upload["inputFile"].as_str().unwrap()),
        ("uploadId", upload["uploadId"].as_str().unwrap()),
    ];
    call(
        api,
        api_request("GET /uploads/parts", "/uploads/parts", &query, None),
    )
    .await
}

fn held_numbers(answer: &Answer) -> Vec<u64> {
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["partNumber"].as_u64().unwrap())
        .collect()
}

/// Puts part `part` of the answer's URLs with `bytes`, as a browser would.
fn put_part(part: &Value, bytes: &[u8]) -> u16 {
    http_put(part["url"].as_str().unwrap(), &part["headers"], bytes).0
}

/// What a refused request must not change beyond [`Local::snapshot`]: the uploads in
/// progress and the day's quota counters.
async fn state(local: &Local) -> impl PartialEq + std::fmt::Debug {
    let quota = local.scan(&local.names.upload_quota_table).await;
    let quota: Vec<String> = quota
        .iter()
        .map(|i| {
            format!(
                "{:?}",
                i.iter().collect::<std::collections::BTreeMap<_, _>>()
            )
        })
        .collect();
    (local.snapshot().await, in_progress(local).await, quota)
}

async fn in_progress(local: &Local) -> Vec<String> {
    let out = local
        .s3
        .list_multipart_uploads()
        .bucket(&local.names.input_bucket)
        .send()
        .await
        .unwrap();
    out.uploads()
        .iter()
        .map(|u| u.key().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn a_multipart_upload_completes_only_with_every_part_and_counts_once() {
    let (local, api) = api("mp-complete").await;
    let size = PART_BYTES + 10;
    let file: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    let started = start(&api, size).await;
    assert_eq!(started.status, 201, "{}", started.body);
    assert_eq!(started.body["method"], "MULTIPART");
    assert_eq!(started.body["partCount"], 2);
    assert_eq!(started.body["partBytes"], PART_BYTES);
    let key = started.body["inputFile"].as_str().unwrap().to_string();
    assert!(key.starts_with(&format!("uploads/{ALICE}/")), "{key}");
    let parts = started.body["parts"].as_array().unwrap().clone();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[1]["length"], 10);
    assert_eq!(parts[1]["headers"]["content-length"], "10");
    let upload = named(&started);
    assert_eq!(held_numbers(&held(&api, &upload).await), Vec::<u64>::new());

    // Nothing held yet: complete refuses, and stores nothing.
    let early = post(&api, "POST /uploads/complete", &upload).await;
    assert_eq!(
        (early.status, early.body["error"]["code"].as_str()),
        (409, Some("parts_missing"))
    );
    assert_eq!(local.object(&local.names.input_bucket, &key).await, None);

    let first = &file[..PART_BYTES as usize];
    let (status, etag) = http_put(
        parts[0]["url"].as_str().unwrap(),
        &parts[0]["headers"],
        first,
    );
    assert_eq!(status, 200);
    assert!(etag.is_some(), "UploadPart answers the part's ETag");
    assert_eq!(held_numbers(&held(&api, &upload).await), vec![1]);
    let missing = post(&api, "POST /uploads/complete", &upload).await;
    assert_eq!(missing.status, 409);
    assert!(
        missing.body["error"]["message"]
            .as_str()
            .unwrap()
            .ends_with(": 2"),
        "{}",
        missing.body
    );

    // URLs expire: the next part's URL again, from the presign route.
    let mut more = upload.clone();
    more["partNumbers"] = json!([2]);
    let again = post(&api, "POST /uploads/parts", &more).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["parts"][0]["partNumber"], 2);
    assert_eq!(
        put_part(&again.body["parts"][0], &file[PART_BYTES as usize..]),
        200
    );

    let done = post(&api, "POST /uploads/complete", &upload).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.body["inputFile"], key.as_str());
    assert_eq!(
        local
            .object(&local.names.input_bucket, &key)
            .await
            .as_deref(),
        Some(&file[..])
    );
    assert!(in_progress(&local).await.is_empty());

    // Completing twice, and anything else on a finished upload, is a clear 404.
    for (route, body) in [
        ("POST /uploads/complete", upload.clone()),
        ("POST /uploads/parts", more.clone()),
        ("POST /uploads/abort", upload.clone()),
    ] {
        let answer = post(&api, route, &body).await;
        assert_eq!(
            (answer.status, answer.body["error"]["code"].as_str()),
            (404, Some("no_such_upload")),
            "{route}: {}",
            answer.body
        );
    }

    // The day's quota (3 in the tests) counted the upload once, not per part or call.
    for _ in 0..2 {
        assert_eq!(start(&api, size).await.status, 201);
    }
    assert_eq!(start(&api, size).await.status, 429);
}

#[tokio::test]
async fn abort_frees_the_parts_and_ends_the_upload() {
    let (local, api) = api("mp-abort").await;
    let started = start(&api, 3 * PART_BYTES).await;
    assert_eq!(started.status, 201, "{}", started.body);
    let upload = named(&started);
    let part = &started.body["parts"][0];
    assert_eq!(put_part(part, &vec![7u8; PART_BYTES as usize]), 200);
    assert_eq!(in_progress(&local).await.len(), 1);

    let aborted = post(&api, "POST /uploads/abort", &upload).await;
    assert_eq!(aborted.status, 200, "{}", aborted.body);
    assert!(in_progress(&local).await.is_empty());
    let gone = held(&api, &upload).await;
    assert_eq!(
        (gone.status, gone.body["error"]["code"].as_str()),
        (404, Some("no_such_upload"))
    );
    assert!(local.keys(&local.names.input_bucket).await.is_empty());
}

/// `route` with a JSON body (its path is the route key's), signed in as `sub`.
fn request(route: &str, body: Option<&Value>, sub: &str) -> Value {
    let path = route.split(' ').nth(1).unwrap();
    let body = body.map(Value::to_string);
    api_event(route, path, &[], body.as_deref(), Some(sub))
}

#[tokio::test]
async fn bad_multipart_requests_get_a_4xx_and_store_nothing() {
    let (local, api) = api("mp-bad").await;
    let started = start(&api, 3 * PART_BYTES).await;
    assert_eq!(started.status, 201, "{}", started.body);
    let upload = named(&started);
    let with_parts = |numbers: Value| {
        let mut body = upload.clone();
        body["partNumbers"] = numbers;
        body
    };
    // A single PUT's key: no declared size, so no multipart upload of it exists.
    let mut single_key = upload.clone();
    single_key["inputFile"] = format!("uploads/{ALICE}/0a1b2c/family.mp4").into();
    // Not here: Alice's key with the upload id of another of her uploads. S3 answers
    // NoSuchUpload (an upload id belongs to one key); moto 5.2.5 lists, signs and completes
    // it, so that is shown on s3s-fs (tests/upload_length.rs).
    let (parts, complete, abort) = (
        "POST /uploads/parts",
        "POST /uploads/complete",
        "POST /uploads/abort",
    );
    let bob = "bob-sub";
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            request(parts, Some(&with_parts(json!([4]))), ALICE),
            400,
            "bad_part_number",
        ),
        (
            request(parts, Some(&with_parts(json!([0]))), ALICE),
            400,
            "bad_part_number",
        ),
        (
            request(parts, Some(&with_parts(json!(["1"]))), ALICE),
            400,
            "bad_part_number",
        ),
        (
            request(parts, Some(&with_parts(json!([1, 2, 1]))), ALICE),
            400,
            "repeated_part_number",
        ),
        (
            request(parts, Some(&with_parts(json!([]))), ALICE),
            400,
            "missing_parts",
        ),
        (
            request(complete, Some(&single_key), ALICE),
            404,
            "no_such_upload",
        ),
        (
            request(complete, Some(&with_parts(json!([1]))), ALICE),
            400,
            "unexpected_part_numbers",
        ),
        (request(complete, None, ALICE), 400, "missing_body"),
        (
            request(abort, Some(&json!({"inputFile": "x"})), ALICE),
            400,
            "missing_field",
        ),
        (
            api_request(
                "GET /uploads/parts",
                "/uploads/parts",
                &[("inputFile", "x")],
                None,
            ),
            400,
            "missing_field",
        ),
        // Another user's upload reads like one that does not exist.
        (request(complete, Some(&upload), bob), 404, "no_such_upload"),
        (request(abort, Some(&upload), bob), 404, "no_such_upload"),
        (
            request(parts, Some(&with_parts(json!([1]))), bob),
            404,
            "no_such_upload",
        ),
        (
            request(
                "POST /uploads",
                Some(&json!({"fileName": "a.mp4", "size": common::MAX_UPLOAD_BYTES + 1})),
                ALICE,
            ),
            400,
            "bad_size",
        ),
        (
            request(
                "POST /uploads",
                Some(&json!({"fileName": "a.mp4", "size": 0})),
                ALICE,
            ),
            400,
            "bad_size",
        ),
    ];
    let before = state(&local).await;
    for (request, status, code) in cases {
        let what = format!("{} {}", request["routeKey"], request["body"]);
        let answer = call(&api, request).await;
        assert_refused(&answer, status, code, &what);
    }
    assert_eq!(state(&local).await, before);
    // The refused requests left the upload as it was, to finish or abort.
    assert_eq!(held_numbers(&held(&api, &upload).await), Vec::<u64>::new());
    let fine = post(&api, parts, &with_parts(json!([3, 1]))).await;
    assert_eq!(fine.status, 200, "{}", fine.body);
    assert_eq!(fine.body["parts"][0]["length"], PART_BYTES);
}

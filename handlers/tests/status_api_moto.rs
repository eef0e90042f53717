//! status-api against moto's DynamoDB and S3: a job and the latest job of a file, upload URLs
//! that moto accepts, and bad requests that get a 4xx JSON error and change nothing.

mod common;

use common::api::{ALICE, api_event, api_request, assert_refused, call};
use common::events::{SEQ, job_id, mediaconvert_event};
use common::{Local, output_table};
use handlers::domain::{StateUpdate, normalize_sequencer};
use handlers::entrypoints::{JobStateHandler, StatusApi};
use handlers::store::{InputFileTable, JobOutput, StatusTable, Ttl, now_epoch};
use testkit::Moto;
use testkit::fixtures::fixture;

#[tokio::test]
async fn status_api_answers_a_job_and_the_latest_job_of_a_file() {
    let local = Local::create(&Moto::shared().endpoint(), "api-read").await;
    let api = StatusApi::new(
        local.status_api_config(),
        local.dynamodb.clone(),
        local.s3.clone(),
        common::mediaconvert(&[]).1,
    );
    let job_id = &job_id(4);
    let ttl = Ttl { days: 1 };
    let inputs = InputFileTable::new(local.dynamodb.clone(), &local.names.input_file_table, ttl);
    let seq = normalize_sequencer(SEQ).unwrap();
    let by_file = fixture("apigw/get-jobs-by-input-file.json");
    let key = by_file["queryStringParameters"]["inputFile"]
        .as_str()
        .unwrap()
        .to_string();
    inputs
        .claim(&key, &seq, job_id, Some(ALICE), now_epoch())
        .await
        .unwrap();
    let statuses = StatusTable::new(local.dynamodb.clone(), &local.names.job_status_table, ttl);
    statuses
        .apply(
            &StateUpdate::submitted(job_id, None),
            None,
            Some(ALICE),
            now_epoch(),
        )
        .await
        .unwrap();

    let answer = call(&api, by_file).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body,
        serde_json::json!({"inputFile": key, "jobId": job_id,
            "status": "SUBMITTED", "progress": 0})
    );

    let handler = JobStateHandler::new(
        local.job_state_config(),
        local.dynamodb.clone(),
        local.s3.clone(),
    );
    let key_hex = "0f0e0d0c0b0a09080706050403020100";
    output_table(&local)
        .put_once(
            job_id,
            JobOutput {
                output_path: format!("hls/{job_id}/"),
                key_file: format!("keys/{job_id}/a.key"),
                key_value: key_hex.into(),
                owner: None,
                input_file: None,
            },
            now_epoch(),
        )
        .await
        .unwrap();
    handler
        .handle(mediaconvert_event("mediaconvert/complete.json", job_id))
        .await
        .unwrap();
    let answer = call(
        &api,
        api_request("GET /jobs/{jobId}", &format!("/jobs/{job_id}"), &[], None),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body,
        serde_json::json!({"jobId": job_id, "status": "COMPLETE", "progress": 100,
            "lastEventTime": 1_763_942_990_000i64, "durationMs": 596458, "widthPx": 1920,
            "heightPx": 1080, "outputPath": format!("hls/{job_id}/"),
            "playlists": {"m3u8": "Big Buck Bunny.m3u8"},
            "playbackUrl": format!("{}/{job_id}/index.m3u8", common::PLAYBACK_URL)})
    );
    assert!(!answer.body.to_string().contains(key_hex));

    // The key endpoint: the 16 raw bytes, base64 in the Lambda answer, never cached.
    let sent = serde_json::to_value(
        api.handle(api_request(
            "GET /jobs/{jobId}/key",
            &format!("/jobs/{job_id}/key"),
            &[],
            None,
        ))
        .await,
    )
    .unwrap();
    assert_eq!(sent["statusCode"], 200, "{sent}");
    assert_eq!(sent["isBase64Encoded"], true);
    assert_eq!(sent["headers"]["content-type"], "application/octet-stream");
    assert_eq!(sent["headers"]["cache-control"], "no-store");
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(sent["body"].as_str().unwrap())
        .unwrap();
    assert_eq!(hex::encode(&bytes), key_hex);

    let answer = call(
        &api,
        api_request("GET /jobs/{jobId}", "/jobs/1763942400123-nope00", &[], None),
    )
    .await;
    assert_eq!(
        (answer.status, answer.body["error"]["code"].as_str()),
        (404, Some("no_such_job"))
    );
    let answer = call(
        &api,
        api_request(
            "GET /jobs",
            "/jobs",
            &[("inputFile", &format!("uploads/{ALICE}/0/none.mp4"))],
            None,
        ),
    )
    .await;
    assert_eq!(
        (answer.status, answer.body["error"]["code"].as_str()),
        (404, Some("no_such_file"))
    );
}

fn http_put(url: &str, headers: &serde_json::Value, body: &[u8]) -> u16 {
    common::api::http_put(url, headers, body).0
}

#[tokio::test]
async fn uploads_get_a_presigned_put_that_moto_accepts() {
    let local = Local::create(&Moto::shared().endpoint(), "api-upload").await;
    let api = StatusApi::new(
        local.status_api_config(),
        local.dynamodb.clone(),
        local.s3.clone(),
        common::mediaconvert(&[]).1,
    );
    let first = call(&api, fixture("apigw/post-upload.json")).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let key = first.body["inputFile"].as_str().unwrap();
    assert!(
        key.starts_with(&format!("uploads/{ALICE}/")) && key.ends_with("/Big Buck Bunny.mp4"),
        "{key}"
    );
    assert_eq!(first.body["method"], "PUT");
    assert_eq!(first.body["expiresInSeconds"], 900);
    assert_eq!(first.body["headers"]["content-type"], "video/mp4");
    let url = first.body["uploadUrl"].as_str().unwrap();
    assert!(
        url.starts_with(&format!(
            "{}/{}/uploads/",
            local.endpoint, local.names.input_bucket
        )),
        "{url}"
    );
    assert!(url.contains("X-Amz-Signature="), "{url}");

    let video = b"not really a video, but bytes";
    assert_eq!(http_put(url, &first.body["headers"], video), 200);
    assert_eq!(
        local.object(&local.names.input_bucket, key).await.unwrap(),
        video
    );

    let second = call(&api, fixture("apigw/post-upload.json")).await;
    assert_ne!(
        second.body["inputFile"], first.body["inputFile"],
        "a fresh prefix per upload"
    );

    // Quotes, '#', '?', '%' and spaces are key characters: the URL encodes them and the
    // object lands under exactly the key the answer names.
    let name = r#"a"b#c?d%e f+g.mp4"#;
    let body = serde_json::json!({"fileName": name, "size": 5}).to_string();
    let odd = call(
        &api,
        api_request("POST /uploads", "/uploads", &[], Some(&body)),
    )
    .await;
    assert_eq!(odd.status, 201, "{}", odd.body);
    let key = odd.body["inputFile"].as_str().unwrap();
    assert!(key.ends_with(&format!("/{name}")), "{key}");
    let url = odd.body["uploadUrl"].as_str().unwrap();
    assert_eq!(http_put(url, &odd.body["headers"], b"12345"), 200, "{url}");
    assert_eq!(
        local
            .object(&local.names.input_bucket, key)
            .await
            .as_deref(),
        Some(&b"12345"[..])
    );
}

#[tokio::test]
async fn bad_requests_get_a_4xx_json_error_and_change_nothing() {
    let local = Local::create(&Moto::shared().endpoint(), "api-bad").await;
    let api = StatusApi::new(
        local.status_api_config(),
        local.dynamodb.clone(),
        local.s3.clone(),
        common::mediaconvert(&[]).1,
    );
    let long = "a".repeat(1025);
    let before = local.snapshot().await;
    let cases: Vec<(serde_json::Value, u16, &str)> = vec![
        (
            api_request("GET /jobs", "/jobs", &[("inputFile", &long)], None),
            400,
            "too_long",
        ),
        (
            api_request("GET /jobs", "/jobs", &[("inputFile", "a\u{1}b.mp4")], None),
            400,
            "control_characters",
        ),
        (
            api_request("GET /jobs", "/jobs", &[("inputFile", "")], None),
            400,
            "empty",
        ),
        (
            api_request("GET /jobs", "/jobs", &[("limit", "0")], None),
            400,
            "bad_limit",
        ),
        (
            api_request("GET /jobs", "/jobs", &[("cursor", "not-a-cursor")], None),
            400,
            "bad_cursor",
        ),
        (
            api_request("GET /jobs/{jobId}", "/jobs/bad%20id", &[], None),
            400,
            "bad_job_id",
        ),
        (
            api_request("$default", "/media/status", &[], None),
            404,
            "no_such_route",
        ),
        (
            api_request("PUT /jobs/{jobId}", "/jobs/1-a", &[], None),
            404,
            "no_such_route",
        ),
        (
            api_event("GET /jobs/{jobId}", "/jobs/1-a", &[], None, None),
            401,
            "unauthorized",
        ),
        (
            api_event("GET /jobs/{jobId}", "/jobs/1-a", &[], None, Some("")),
            401,
            "unauthorized",
        ),
        (
            api_request("POST /uploads", "/uploads", &[], None),
            400,
            "missing_body",
        ),
        (
            api_request("POST /uploads", "/uploads", &[], Some("{\"fileName\":")),
            400,
            "malformed_body",
        ),
        (
            api_request(
                "POST /uploads",
                "/uploads",
                &[],
                Some(r#"{"fileName":"x.exe","size":1}"#),
            ),
            400,
            "bad_extension",
        ),
        (
            api_request(
                "POST /uploads",
                "/uploads",
                &[],
                Some(r#"{"fileName":"a/b.mp4","size":1}"#),
            ),
            400,
            "bad_file_name",
        ),
        (
            api_request(
                "POST /uploads",
                "/uploads",
                &[],
                Some(&format!(r#"{{"fileName":"{long}.mp4","size":1}}"#)),
            ),
            400,
            "too_long",
        ),
    ];
    for (request, status, code) in cases {
        let what = format!("{} {}", request["routeKey"], request["rawQueryString"]);
        let answer = call(&api, request).await;
        assert_refused(&answer, status, code, &what);
        assert!(answer.headers.get("retry-after").is_none(), "{what}");
    }
    assert_eq!(local.snapshot().await, before);
}

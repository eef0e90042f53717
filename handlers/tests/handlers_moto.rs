//! The three entrypoints against moto's DynamoDB and S3, with MediaConvert's CreateJob
//! captured by the SDK's replay client: every write the handlers make, the bad inputs with
//! their errors and unchanged tables, and a store that goes away mid-test.

mod common;

use aws_lambda_events::s3::S3Event;
use common::{Local, num, s};
use handlers::domain::{StateUpdate, client_request_token, normalize_sequencer};
use handlers::entrypoints::{CreateJob, Created, Handled, JobStateHandler, StatusApi};
use handlers::store::{InputFileTable, JobOutput, OutputTable, StatusTable, Ttl, now_epoch};
use std::io::{Read, Write};
use testkit::Moto;
use testkit::fixtures::fixture;

const KEY: &str = "uploads/Big Buck Bunny 動画.mp4";
const RAW_KEY: &str = "uploads/Big+Buck+Bunny+%E5%8B%95%E7%94%BB.mp4";
const SEQ: &str = "0055AED6DCD90281E5";

/// The S3 fixture's record, once per (raw key, sequencer), in the test's input bucket.
fn s3_event(bucket: &str, objects: &[(&str, &str)]) -> S3Event {
    let mut event = fixture("s3/object-created.json");
    let template = event["Records"][0].clone();
    event["Records"] = objects
        .iter()
        .map(|(key, seq)| {
            let mut r = template.clone();
            r["s3"]["bucket"]["name"] = (*bucket).into();
            r["s3"]["bucket"]["arn"] = format!("arn:aws:s3:::{bucket}").into();
            r["s3"]["object"]["key"] = (*key).into();
            r["s3"]["object"]["sequencer"] = (*seq).into();
            r
        })
        .collect();
    serde_json::from_value(event).unwrap()
}

/// A MediaConvert event of the fixture `path` for job `job` (user metadata `job`), from the
/// fixture's MediaConvert job.
fn mediaconvert_event(path: &str, job: &str) -> serde_json::Value {
    let mut e = fixture(path);
    e["detail"]["userMetadata"]["job"] = job.into();
    e
}

/// The same, from the MediaConvert job `mediaconvert_job_id`.
fn mediaconvert_event_from(path: &str, job: &str, mediaconvert_job_id: &str) -> serde_json::Value {
    let mut e = mediaconvert_event(path, job);
    e["detail"]["jobId"] = mediaconvert_job_id.into();
    e
}

/// A job id as create-job makes them.
fn job_id(n: u8) -> String {
    format!("{:032x}", 0xab00 + u128::from(n))
}

fn output_table(local: &Local) -> OutputTable {
    OutputTable::new(
        local.dynamodb.clone(),
        &local.names.job_output_table,
        Ttl {
            days: common::TTL_DAYS,
        },
    )
}

// --- create-job ---------------------------------------------------------------------------

#[tokio::test]
async fn create_job_writes_three_items_and_one_complete_create_job_request() {
    let local = Local::create(&Moto::shared().endpoint(), "cj-one").await;
    let mediaconvert_job_id = "1763942400123-aaaaaa";
    let (replay, mediaconvert) = common::mediaconvert(&[mediaconvert_job_id]);
    let sequencer = normalize_sequencer(SEQ).unwrap();
    let job_id = client_request_token(KEY, &sequencer);
    let job_id = job_id.as_str();
    let dynamodb = common::DynamoDbRequests::counting();
    let handler = CreateJob::new(
        local.create_job_config(),
        dynamodb.client(&local.dynamodb),
        mediaconvert,
    );
    let event = s3_event(&local.names.input_bucket, &[(RAW_KEY, SEQ)]);

    let created = handler.handle(event.clone()).await.unwrap();
    assert_eq!(
        dynamodb.operations(),
        ["UpdateItem", "PutItem", "UpdateItem"],
        "a new upload: the claim, the output item, SUBMITTED (plus CreateJob)"
    );
    assert_eq!(
        created,
        vec![Created::Job {
            job_id: job_id.into()
        }]
    );

    let output_path = format!("hls/{job_id}/");
    let outputs = local.scan(&local.names.job_output_table).await;
    assert_eq!(outputs.len(), 1, "one Output item: {outputs:?}");
    let output = &outputs[0];
    assert_eq!(s(output, "JobId"), job_id);
    assert_eq!(s(output, "OutputPath"), output_path);
    assert_eq!(
        s(output, "KeyFile"),
        format!("keys/{job_id}/Big_Buck_Bunny___.key")
    );
    let key_hex = s(output, "KeyValue");
    assert_eq!(key_hex.len(), 32);
    assert!(key_hex.bytes().all(|b| b.is_ascii_hexdigit()));
    common::assert_ttl(output);

    let status = local
        .item(&local.names.job_status_table, "JobId", job_id)
        .await
        .unwrap();
    assert_eq!(s(&status, "JobStatus"), "SUBMITTED");
    assert_eq!(
        (num(&status, "StatusRank"), num(&status, "ProgressRate")),
        (1, 0)
    );
    assert_eq!(s(&status, "MediaConvertJobId"), mediaconvert_job_id);
    common::assert_ttl(&status);

    let input = local
        .item(&local.names.input_file_table, "InputFile", KEY)
        .await
        .unwrap();
    assert_eq!(s(&input, "JobId"), job_id);
    assert_eq!(s(&input, "Sequencer"), sequencer);
    assert_eq!(s(&input, "JobSequencer"), sequencer);
    common::assert_ttl(&input);

    let requests = common::create_job_requests(&replay);
    assert_eq!(requests.len(), 1);
    let (uri, body) = &requests[0];
    assert_eq!(
        uri, "https://mediaconvert.us-east-1.amazonaws.com/2017-08-29/jobs",
        "the regional endpoint, no DescribeEndpoints"
    );
    assert_eq!(body["jobTemplate"], common::JOB_TEMPLATE);
    assert_eq!(body["role"], common::ROLE_ARN);
    assert_eq!(body["statusUpdateInterval"], "SECONDS_15");
    assert_eq!(body["clientRequestToken"], job_id);
    let submitted_at = body["userMetadata"]["submittedAt"].clone();
    assert!(
        submitted_at
            .as_str()
            .is_some_and(|s| s.parse::<i64>().is_ok()),
        "submittedAt holds epoch milliseconds: {submitted_at}"
    );
    assert_eq!(
        body["userMetadata"],
        serde_json::json!({"stack": common::STACK, "job": job_id, "inputFile": KEY,
            "submittedAt": submitted_at})
    );
    let settings = &body["settings"];
    assert_eq!(
        settings["inputs"],
        serde_json::json!([{"fileInput": format!("s3://{}/{KEY}", local.names.input_bucket)}])
    );
    let groups = settings["outputGroups"].as_array().unwrap();
    assert_eq!(groups.len(), 1);
    let group = &groups[0]["outputGroupSettings"];
    assert_eq!(group["type"], "HLS_GROUP_SETTINGS");
    assert_eq!(
        group["hlsGroupSettings"]["destination"],
        format!("s3://{}/{output_path}index", local.names.output_bucket),
        "a fixed base name: the upload's file name never names an HLS file"
    );
    assert_eq!(
        group["hlsGroupSettings"]["encryption"],
        serde_json::json!({
            "encryptionMethod": "AES128",
            "type": "STATIC_KEY",
            "staticKeyProvider": {"staticKeyValue": key_hex,
                "url": format!("{}/jobs/{job_id}/key", common::API_URL)}
        })
    );
    assert_eq!(
        body.to_string().matches(&key_hex).count(),
        1,
        "the key is only in staticKeyValue"
    );

    // Redelivered later (past CreateJob's one-minute idempotency): no second job.
    let before = local.snapshot().await;
    let again = handler.handle(event).await.unwrap();
    assert_eq!(
        dynamodb.operations()[3..],
        ["UpdateItem", "GetItem"],
        "a redelivery: the failed claim and the status read"
    );
    assert_eq!(
        again,
        vec![Created::AlreadyDone {
            job_id: job_id.into()
        }]
    );
    assert_eq!(common::create_job_requests(&replay).len(), 1);
    assert_eq!(local.snapshot().await, before);
}

#[tokio::test]
async fn an_older_upload_never_replaces_the_newest_job() {
    let local = Local::create(&Moto::shared().endpoint(), "cj-order").await;
    let (replay, mediaconvert) = common::mediaconvert(&["job-new", "job-newest"]);
    let handler = CreateJob::new(
        local.create_job_config(),
        local.dynamodb.clone(),
        mediaconvert,
    );
    let event = |seq| s3_event(&local.names.input_bucket, &[(RAW_KEY, seq)]);
    let job = |seq| client_request_token(KEY, &normalize_sequencer(seq).unwrap());
    let latest = || async {
        s(
            &local
                .item(&local.names.input_file_table, "InputFile", KEY)
                .await
                .unwrap(),
            "JobId",
        )
    };

    let created = handler.handle(event("0055AED6DCD90281E6")).await.unwrap();
    assert_eq!(
        created,
        vec![Created::Job {
            job_id: job("0055AED6DCD90281E6")
        }]
    );
    // The older upload's event arrives late: the object already holds the newer upload.
    let created = handler.handle(event("0055AED6DCD90281E5")).await.unwrap();
    assert_eq!(created, vec![Created::Superseded]);
    assert_eq!(common::create_job_requests(&replay).len(), 1);
    assert_eq!(latest().await, job("0055AED6DCD90281E6"));

    let created = handler.handle(event("0055AED6DCD90281E7")).await.unwrap();
    assert_eq!(
        created,
        vec![Created::Job {
            job_id: job("0055AED6DCD90281E7")
        }]
    );
    assert_eq!(latest().await, job("0055AED6DCD90281E7"));
    assert_eq!(local.scan(&local.names.job_output_table).await.len(), 2);
}

/// create-job crashes after CreateJob and before its writes; Lambda retries it after
/// MediaConvert's one-minute token window, so MediaConvert starts a second job for the
/// upload. Both jobs carry the same job id: both write the same files with the same key, and
/// job-state merges both jobs' events into the one item, each event answered Ok (nothing
/// for the DLQ), with one DynamoDB request per event (two on COMPLETE: the output item).
#[tokio::test]
async fn a_create_job_retried_after_the_token_window_completes_one_item() {
    let local = Local::create(&Moto::shared().endpoint(), "cj-retry").await;
    let sequencer = normalize_sequencer(SEQ).unwrap();
    let job_id = client_request_token(KEY, &sequencer);
    let event = s3_event(&local.names.input_bucket, &[(RAW_KEY, SEQ)]);
    // The two MediaConvert jobs the two CreateJob calls start (the second call comes after
    // the token window, so MediaConvert does not return the first job again).
    let (replay, mediaconvert) =
        common::mediaconvert(&["1763942400123-first1", "1763942460123-secnd2"]);

    // First attempt: the claim and the output item are written (2 requests), CreateJob
    // starts the first job, then the store fails before SUBMITTED and the input file's job.
    let failing = common::DynamoDbRequests::failing_after(2);
    let crashed = CreateJob::new(
        local.create_job_config(),
        failing.client(&local.dynamodb),
        mediaconvert.clone(),
    );
    let err = crashed.handle(event.clone()).await.unwrap_err();
    assert!(err.to_string().contains("UpdateItem"), "{err}");
    assert_eq!(common::create_job_requests(&replay).len(), 1);
    assert!(
        local
            .item(&local.names.job_status_table, "JobId", &job_id)
            .await
            .is_none()
    );

    // The retry, after the window: a second MediaConvert job, same token, path and key.
    let handler = CreateJob::new(
        local.create_job_config(),
        local.dynamodb.clone(),
        mediaconvert,
    );
    assert_eq!(
        handler.handle(event.clone()).await.unwrap(),
        vec![Created::Job {
            job_id: job_id.clone()
        }]
    );
    let requests = common::create_job_requests(&replay);
    assert_eq!(requests.len(), 2);
    let hls = |i: usize| {
        requests[i].1["settings"]["outputGroups"][0]["outputGroupSettings"]["hlsGroupSettings"]
            .clone()
    };
    assert_eq!(hls(0), hls(1), "the same destination, key and key URL");
    assert_eq!(
        requests[0].1["clientRequestToken"],
        requests[1].1["clientRequestToken"]
    );
    assert_eq!(requests[1].1["userMetadata"]["job"], job_id.as_str());
    let outputs = local.scan(&local.names.job_output_table).await;
    assert_eq!(outputs.len(), 1, "one output item: {outputs:?}");
    assert_eq!(
        s(&outputs[0], "KeyValue"),
        hls(0)["encryption"]["staticKeyProvider"]["staticKeyValue"]
            .as_str()
            .unwrap()
    );

    // Both jobs' events, interleaved; every one is handled (Ok), none goes to the DLQ.
    let counted = common::DynamoDbRequests::counting();
    let job_state = JobStateHandler::new(
        local.job_state_config(),
        counted.client(&local.dynamodb),
        local.s3.clone(),
    );
    let first = "1763942400123-first1";
    let second = "1763942460123-secnd2";
    let events = [
        ("mediaconvert/progressing.json", first, 1),
        ("mediaconvert/status-update.json", first, 1),
        ("mediaconvert/progressing.json", second, 1),
        ("mediaconvert/complete.json", first, 2),
        ("mediaconvert/status-update.json", second, 1),
        ("mediaconvert/complete.json", second, 2),
    ];
    for (path, mediaconvert_job_id, requests) in events {
        let before = counted.count();
        let handled = job_state
            .handle(mediaconvert_event_from(path, &job_id, mediaconvert_job_id))
            .await
            .unwrap_or_else(|e| panic!("{path} of {mediaconvert_job_id}: {e}"));
        assert!(matches!(handled, Handled::Merged(_)), "{handled:?}");
        assert_eq!(
            counted.count() - before,
            requests,
            "DynamoDB requests for {path}: {:?}",
            counted.operations()
        );
    }
    let statuses = local.scan(&local.names.job_status_table).await;
    assert_eq!(statuses.len(), 1, "one job: {statuses:?}");
    let item = &statuses[0];
    assert_eq!(s(item, "JobId"), job_id);
    assert_eq!(s(item, "JobStatus"), "COMPLETE");
    assert_eq!(num(item, "ProgressRate"), 100);
    assert_eq!(s(item, "OutputPath"), format!("hls/{job_id}/"));
    assert_eq!(
        s(
            &local
                .item(&local.names.input_file_table, "InputFile", KEY)
                .await
                .unwrap(),
            "JobId"
        ),
        job_id
    );
    assert!(
        local
            .object(
                &local.names.output_bucket,
                &format!("keys/{job_id}/Big_Buck_Bunny___.key")
            )
            .await
            .is_some()
    );
}

#[tokio::test]
async fn keys_with_spaces_plus_signs_and_unicode_are_decoded() {
    let local = Local::create(&Moto::shared().endpoint(), "cj-keys").await;
    let (replay, mediaconvert) = common::mediaconvert(&["job-a", "job-b", "job-c"]);
    let handler = CreateJob::new(
        local.create_job_config(),
        local.dynamodb.clone(),
        mediaconvert,
    );
    let event = s3_event(
        &local.names.input_bucket,
        &[
            ("My+Video+%281%29.mp4", "01"),
            ("a%2Bb.mov", "02"),
            ("%E5%8B%95%E7%94%BB%20x.mp4", "03"),
        ],
    );
    let created = handler.handle(event).await.unwrap();
    assert_eq!(created.len(), 3);
    let inputs: Vec<String> = common::create_job_requests(&replay)
        .iter()
        .map(|(_, b)| {
            b["settings"]["inputs"][0]["fileInput"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let bucket = &local.names.input_bucket;
    assert_eq!(
        inputs,
        vec![
            format!("s3://{bucket}/My Video (1).mp4"),
            format!("s3://{bucket}/a+b.mov"),
            format!("s3://{bucket}/動画 x.mp4"),
        ]
    );
    for (key, seq) in [
        ("My Video (1).mp4", "01"),
        ("a+b.mov", "02"),
        ("動画 x.mp4", "03"),
    ] {
        let item = local
            .item(&local.names.input_file_table, "InputFile", key)
            .await;
        let job = client_request_token(key, &normalize_sequencer(seq).unwrap());
        assert_eq!(s(&item.expect(key), "JobId"), job);
    }
}

#[tokio::test]
async fn a_malformed_record_fails_naming_the_key_and_writes_nothing() {
    let local = Local::create(&Moto::shared().endpoint(), "cj-bad").await;
    let (replay, mediaconvert) = common::mediaconvert(&[]);
    let handler = CreateJob::new(
        local.create_job_config(),
        local.dynamodb.clone(),
        mediaconvert,
    );
    let before = local.snapshot().await;
    for (key, seq, expected) in [
        (
            "bad%zz.mp4",
            SEQ,
            "\"bad%zz.mp4\" has a malformed percent escape",
        ),
        (
            "ok.mp4",
            "not-hex",
            "\"not-hex\" is not a hexadecimal string",
        ),
    ] {
        let err = handler
            .handle(s3_event(&local.names.input_bucket, &[(key, seq)]))
            .await
            .unwrap_err();
        assert!(err.to_string().contains(expected), "{err}");
    }
    assert_eq!(common::create_job_requests(&replay).len(), 0);
    assert_eq!(local.snapshot().await, before);
}

// --- job-state ----------------------------------------------------------------------------

#[tokio::test]
async fn complete_writes_key_file_and_info_json_then_the_status() {
    let local = Local::create(&Moto::shared().endpoint(), "js-complete").await;
    let handler = JobStateHandler::new(
        local.job_state_config(),
        local.dynamodb.clone(),
        local.s3.clone(),
    );
    let job_id = &job_id(1);
    let path = format!("hls/{job_id}/");
    let key_hex = "000102030405060708090a0b0c0d0e0f";
    output_table(&local)
        .put_once(
            job_id,
            JobOutput {
                output_path: path.clone(),
                key_file: format!("keys/{job_id}/Big_Buck_Bunny.key"),
                key_value: key_hex.into(),
            },
            now_epoch(),
        )
        .await
        .unwrap();
    let status = || async {
        local
            .item(&local.names.job_status_table, "JobId", job_id)
            .await
            .unwrap()
    };

    handler
        .handle(mediaconvert_event("mediaconvert/progressing.json", job_id))
        .await
        .unwrap();
    handler
        .handle(mediaconvert_event(
            "mediaconvert/status-update.json",
            job_id,
        ))
        .await
        .unwrap();
    let item = status().await;
    assert_eq!(
        (s(&item, "JobStatus"), num(&item, "ProgressRate")),
        ("PROGRESSING".into(), 31)
    );
    assert!(
        local.keys(&local.names.output_bucket).await.is_empty(),
        "no files before COMPLETE"
    );

    handler
        .handle(mediaconvert_event("mediaconvert/complete.json", job_id))
        .await
        .unwrap();
    let key_file = local
        .object(
            &local.names.output_bucket,
            &format!("keys/{job_id}/Big_Buck_Bunny.key"),
        )
        .await
        .expect("the key file");
    assert_eq!(key_file, (0u8..16).collect::<Vec<u8>>());
    let info: serde_json::Value = serde_json::from_slice(
        &local
            .object(
                &local.names.output_bucket,
                &format!("keys/{job_id}/info.json"),
            )
            .await
            .expect("info.json"),
    )
    .unwrap();
    assert_eq!(
        info,
        serde_json::json!({"duration_ms": 596458, "width_px": 1920, "height_px": 1080,
            "playlists": {"m3u8": "Big Buck Bunny.m3u8"}})
    );
    let item = status().await;
    assert_eq!(s(&item, "JobStatus"), "COMPLETE");
    assert_eq!(
        [
            num(&item, "ProgressRate"),
            num(&item, "StatusRank"),
            num(&item, "DurationMs"),
            num(&item, "WidthPx"),
            num(&item, "HeightPx"),
            num(&item, "LastEventTime")
        ],
        [100, 3, 596_458, 1920, 1080, 1_763_942_990_000]
    );
    assert_eq!(s(&item, "OutputPath"), path);
    assert_eq!(s(&item, "MediaConvertJobId"), "1763942400123-abc123");
    let written = local.keys(&local.names.output_bucket).await;
    assert!(
        written.iter().all(|k| k.starts_with("keys/")),
        "nothing under the served hls/ prefix comes from job-state: {written:?}"
    );
    let playlists = item["Playlists"].as_m().unwrap();
    assert_eq!(playlists["m3u8"].as_s().unwrap(), "Big Buck Bunny.m3u8");
    common::assert_ttl(&item);
    assert!(
        !format!("{item:?}").contains(key_hex),
        "the key is only in the Output table"
    );

    // Late and repeated events change nothing.
    let before = local.snapshot().await;
    for late in [
        "mediaconvert/status-update.json",
        "mediaconvert/progressing.json",
        "mediaconvert/input-information.json",
        "mediaconvert/new-warning.json",
    ] {
        handler
            .handle(mediaconvert_event(late, job_id))
            .await
            .unwrap();
    }
    assert_eq!(local.snapshot().await.0, before.0);
    let ignored = handler
        .handle(mediaconvert_event("mediaconvert/queue-hop.json", job_id))
        .await
        .unwrap();
    assert_eq!(
        ignored,
        Handled::Ignored {
            status: "QUEUE_HOP".into()
        }
    );
}

#[tokio::test]
async fn error_and_partial_complete_and_seed_events() {
    let local = Local::create(&Moto::shared().endpoint(), "js-error").await;
    let handler = JobStateHandler::new(
        local.job_state_config(),
        local.dynamodb.clone(),
        local.s3.clone(),
    );

    let (err_job, partial_job) = (job_id(2), job_id(3));
    handler
        .handle(mediaconvert_event("mediaconvert/error.json", &err_job))
        .await
        .unwrap();
    let item = local
        .item(&local.names.job_status_table, "JobId", &err_job)
        .await
        .unwrap();
    assert_eq!(s(&item, "JobStatus"), "ERROR");
    assert_eq!(
        (num(&item, "ErrorCode"), num(&item, "ProgressRate")),
        (1030, 100)
    );
    let message = s(&item, "ErrorMessage");
    for secret in ["s3://", "example-input-bucket", "111122223333"] {
        assert!(!message.contains(secret), "{message}");
    }

    // Accelerated transcoding has sent COMPLETE without output paths and with zero duration.
    output_table(&local)
        .put_once(
            &partial_job,
            JobOutput {
                output_path: format!("hls/{partial_job}/"),
                key_file: format!("keys/{partial_job}/p.key"),
                key_value: "ffffffffffffffffffffffffffffffff".into(),
            },
            now_epoch(),
        )
        .await
        .unwrap();
    let partial = serde_json::json!({"detail": {"jobId": "1763942400123-prt001", "status": "COMPLETE",
        "userMetadata": {"job": partial_job},
        "outputGroupDetails": [{"outputDetails": [{"durationInMs": 0}], "type": "HLS_GROUP"}]}});
    handler.handle(partial).await.unwrap();
    let item = local
        .item(&local.names.job_status_table, "JobId", &partial_job)
        .await
        .unwrap();
    assert_eq!(s(&item, "JobStatus"), "COMPLETE");
    for absent in ["DurationMs", "WidthPx", "HeightPx", "Playlists"] {
        assert!(!item.contains_key(absent), "{absent} in {item:?}");
    }
    assert_eq!(
        local
            .object(
                &local.names.output_bucket,
                &format!("keys/{partial_job}/info.json"),
            )
            .await
            .unwrap(),
        b"{}"
    );
    assert_eq!(
        local
            .object(
                &local.names.output_bucket,
                &format!("keys/{partial_job}/p.key"),
            )
            .await
            .unwrap(),
        [0xff; 16]
    );

    // The seed's own test events carry only `detail`, so no job id: not a job of ours,
    // dropped without an error (a retry would not help) and without a write.
    let before = local.snapshot().await;
    for seed in ["seed/status-update.json", "seed/error.json"] {
        assert_eq!(
            handler.handle(fixture(seed)).await.unwrap(),
            Handled::NotOurs,
            "{seed}"
        );
    }
    assert_eq!(local.snapshot().await, before);
}

#[tokio::test]
async fn bad_events_fail_with_a_clear_error_and_change_nothing() {
    let local = Local::create(&Moto::shared().endpoint(), "js-bad").await;
    let handler = JobStateHandler::new(
        local.job_state_config(),
        local.dynamodb.clone(),
        local.s3.clone(),
    );
    let before = local.snapshot().await;
    let cases = [
        (
            mediaconvert_event("mediaconvert/complete.json", &job_id(9)),
            "the job output table has no item for it",
        ),
        (
            serde_json::json!({"detail": {"status": "COMPLETE"}}),
            "missing field `jobId`",
        ),
        (
            serde_json::json!({"detail": {"jobId": "j"}}),
            "missing field `status`",
        ),
        (
            serde_json::json!({"detail": "not an object"}),
            "invalid type",
        ),
        (serde_json::json!([1, 2]), "bad MediaConvert event"),
    ];
    for (event, expected) in cases {
        let err = handler.handle(event.clone()).await.unwrap_err();
        assert!(err.to_string().contains(expected), "{event}: {err}");
    }
    assert_eq!(local.snapshot().await, before);
}

// --- status API ---------------------------------------------------------------------------

/// The `sub` claim of the API fixtures' caller, who is also their owner segment.
const ALICE: &str = "0d5b3e9a-70a1-4c1e-9d5e-4f1a2b3c4d5e";

/// An HTTP API payload 2.0 event of `route_key`, built from the fixture's shape, signed in as
/// `sub` (`None`: no authorizer context).
fn api_event(
    route_key: &str,
    path: &str,
    query: &[(&str, &str)],
    body: Option<&str>,
    sub: Option<&str>,
) -> serde_json::Value {
    let mut e = fixture("apigw/get-job.json");
    let encode = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let method = route_key.split(' ').next().unwrap_or("GET");
    e["routeKey"] = route_key.into();
    e["requestContext"]["routeKey"] = route_key.into();
    e["rawPath"] = path.into();
    e["requestContext"]["http"]["method"] = method.into();
    e["requestContext"]["http"]["path"] = path.into();
    e["rawQueryString"] = query
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
        .into();
    match sub {
        Some(sub) => e["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = sub.into(),
        None => {
            e["requestContext"]
                .as_object_mut()
                .unwrap()
                .remove("authorizer");
        }
    }
    let object = e.as_object_mut().unwrap();
    object.remove("pathParameters");
    if route_key.ends_with("{jobId}") {
        let id = path.rsplit('/').next().unwrap_or_default();
        object.insert("pathParameters".into(), serde_json::json!({"jobId": id}));
    }
    if !query.is_empty() {
        object.insert(
            "queryStringParameters".into(),
            query
                .iter()
                .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
                .collect(),
        );
    }
    if let Some(b) = body {
        object.insert("body".into(), b.into());
    }
    e
}

/// [`api_event`] signed in as the fixtures' caller.
fn api_request(
    route_key: &str,
    path: &str,
    query: &[(&str, &str)],
    body: Option<&str>,
) -> serde_json::Value {
    api_event(route_key, path, query, body, Some(ALICE))
}

struct Answer {
    status: u16,
    headers: serde_json::Value,
    body: serde_json::Value,
    /// The body as sent, for byte-for-byte comparisons.
    text: String,
}

async fn call(api: &StatusApi, event: serde_json::Value) -> Answer {
    let response = api.handle(event).await;
    // What the Lambda runtime sends API Gateway: the payload 2.0 response's JSON.
    let sent = serde_json::to_value(&response).unwrap();
    assert_eq!(sent["isBase64Encoded"], false, "{sent}");
    assert_eq!(
        sent["headers"]["content-type"], "application/json",
        "{sent}"
    );
    assert_eq!(sent["headers"]["cache-control"], "no-store", "{sent}");
    let text = sent["body"]
        .as_str()
        .unwrap_or_else(|| panic!("no text body: {sent}"))
        .to_string();
    Answer {
        status: sent["statusCode"].as_u64().unwrap() as u16,
        headers: sent["headers"].clone(),
        body: serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
        text,
    }
}

#[tokio::test]
async fn status_api_answers_a_job_and_the_latest_job_of_a_file() {
    let local = Local::create(&Moto::shared().endpoint(), "api-read").await;
    let api = StatusApi::new(
        local.status_api_config(),
        local.dynamodb.clone(),
        local.s3.clone(),
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

/// A plain HTTP/1.1 PUT over a TcpStream: what a browser does with the presigned URL.
fn http_put(url: &str, headers: &serde_json::Value, body: &[u8]) -> u16 {
    let rest = url.strip_prefix("http://").expect("moto is plain HTTP");
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut conn = std::net::TcpStream::connect(host).unwrap();
    let mut head = format!(
        "PUT {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    // As a browser: Content-Length comes from the body, whatever length the URL signs.
    for (name, value) in headers.as_object().unwrap() {
        if name != "content-length" {
            head.push_str(&format!("{name}: {}\r\n", value.as_str().unwrap()));
        }
    }
    head.push_str("\r\n");
    conn.write_all(head.as_bytes()).unwrap();
    conn.write_all(body).unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    answer.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn uploads_get_a_presigned_put_that_moto_accepts() {
    let local = Local::create(&Moto::shared().endpoint(), "api-upload").await;
    let api = StatusApi::new(
        local.status_api_config(),
        local.dynamodb.clone(),
        local.s3.clone(),
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
            api_request("DELETE /jobs/{jobId}", "/jobs/1-a", &[], None),
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
        assert_eq!(answer.status, status, "{what}: {}", answer.body);
        assert_eq!(answer.body["error"]["code"], code, "{what}");
        assert!(
            answer.body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{what}"
        );
        assert!(answer.headers.get("retry-after").is_none(), "{what}");
    }
    assert_eq!(local.snapshot().await, before);
}

// --- failures ------------------------------------------------------------------------------

#[tokio::test]
async fn an_unreachable_store_fails_every_handler_so_lambda_retries() {
    let mut moto = Moto::start();
    let local = Local::create(&moto.endpoint(), "down").await;
    let job_state = JobStateHandler::new(
        local.job_state_config(),
        local.dynamodb.clone(),
        local.s3.clone(),
    );
    let (_replay, mediaconvert) = common::mediaconvert(&["job-1"]);
    let create_job = CreateJob::new(
        local.create_job_config(),
        local.dynamodb.clone(),
        mediaconvert,
    );
    let api = StatusApi::new(
        local.status_api_config(),
        local.dynamodb.clone(),
        local.s3.clone(),
    );
    let event = mediaconvert_event("mediaconvert/status-update.json", &job_id(1));
    job_state
        .handle(event.clone())
        .await
        .expect("works while moto runs");

    moto.stop();

    let err = job_state.handle(event).await.unwrap_err();
    assert!(
        err.to_string().contains(&local.names.job_status_table),
        "{err}"
    );
    let err = create_job
        .handle(s3_event(&local.names.input_bucket, &[(RAW_KEY, SEQ)]))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains(&local.names.input_file_table),
        "{err}"
    );
    let answer = call(
        &api,
        api_request("GET /jobs/{jobId}", "/jobs/job-1", &[], None),
    )
    .await;
    assert_eq!(
        (answer.status, answer.body["error"]["code"].as_str()),
        (503, Some("unavailable"))
    );
}

// --- ownership ----------------------------------------------------------------------------

/// The owner segment of the `sub` `bob@example.com` (not a plain token).
const BOB: &str = "~Ym9iQGV4YW1wbGUuY29t";

/// status-api on fresh tables, and the two tables tests write users' items into.
async fn api_and_tables(label: &str) -> (Local, StatusApi, InputFileTable, StatusTable) {
    let local = Local::create(&Moto::shared().endpoint(), label).await;
    let api = StatusApi::new(
        local.status_api_config(),
        local.dynamodb.clone(),
        local.s3.clone(),
    );
    let ttl = Ttl { days: 1 };
    let inputs = InputFileTable::new(local.dynamodb.clone(), &local.names.input_file_table, ttl);
    let statuses = StatusTable::new(local.dynamodb.clone(), &local.names.job_status_table, ttl);
    (local, api, inputs, statuses)
}

#[tokio::test]
async fn another_users_upload_and_job_read_exactly_like_unknown_ones() {
    let (local, api, inputs, statuses) = api_and_tables("api-owner").await;
    let bob = BOB;
    let (bobs_key, bobs_job) = (format!("uploads/{bob}/77/b.mp4"), "1763942400123-bob001");
    let seq = normalize_sequencer(SEQ).unwrap();
    inputs
        .claim(&bobs_key, &seq, bobs_job, Some(bob), now_epoch())
        .await
        .unwrap();
    statuses
        .apply(
            &StateUpdate::submitted(bobs_job, None),
            None,
            Some(bob),
            now_epoch(),
        )
        .await
        .unwrap();
    // A job from before jobs had owners belongs to nobody.
    let ownerless = "1763942400123-none01";
    statuses
        .apply(
            &StateUpdate::submitted(ownerless, None),
            None,
            None,
            now_epoch(),
        )
        .await
        .unwrap();

    let as_bob = |route: &str, path: &str, query: &[(&str, &str)]| {
        api_event(route, path, query, None, Some("bob@example.com"))
    };
    let answer = call(
        &api,
        as_bob("GET /jobs/{jobId}", &format!("/jobs/{bobs_job}"), &[]),
    )
    .await;
    assert_eq!(answer.status, 200, "Bob reads his own job: {}", answer.body);
    let answer = call(
        &api,
        as_bob("GET /jobs", "/jobs", &[("inputFile", &bobs_key)]),
    )
    .await;
    assert_eq!(
        answer.status, 200,
        "Bob reads his own upload: {}",
        answer.body
    );

    // Bob's key is Bob's alone: Alice gets the answer of a job that does not exist.
    output_table(&local)
        .put_once(
            bobs_job,
            JobOutput {
                output_path: format!("hls/{bobs_job}/"),
                key_file: format!("keys/{bobs_job}/b.key"),
                key_value: "00112233445566778899aabbccddeeff".into(),
            },
            now_epoch(),
        )
        .await
        .unwrap();
    let key_route = "GET /jobs/{jobId}/key";
    let bobs = api
        .handle(as_bob(key_route, &format!("/jobs/{bobs_job}/key"), &[]))
        .await;
    assert_eq!(bobs.status_code, 200);
    let theirs = call(
        &api,
        api_request(key_route, &format!("/jobs/{bobs_job}/key"), &[], None),
    )
    .await;
    let unknown = call(
        &api,
        api_request(key_route, "/jobs/1763942400123-bob002/key", &[], None),
    )
    .await;
    assert_eq!(theirs.status, 404);
    assert_eq!(theirs.body["error"]["code"], unknown.body["error"]["code"]);
    assert_eq!(theirs.headers, unknown.headers);
    assert!(!theirs.text.contains("00112233"), "{}", theirs.text);

    // Alice asks for Bob's job and upload, then for ones that do not exist: the same bytes
    // (the message names the id asked for, which is the same id in both requests).
    for (route, path, query) in [
        ("GET /jobs/{jobId}", format!("/jobs/{bobs_job}"), None),
        ("GET /jobs/{jobId}", format!("/jobs/{ownerless}"), None),
        ("GET /jobs", "/jobs".to_string(), Some(bobs_key.clone())),
    ] {
        let query: Vec<(&str, &str)> = query
            .as_deref()
            .map(|q| vec![("inputFile", q)])
            .unwrap_or_default();
        let theirs = call(&api, api_request(route, &path, &query, None)).await;
        local
            .dynamodb
            .delete_item()
            .table_name(&local.names.job_status_table)
            .key(
                "JobId",
                aws_sdk_dynamodb::types::AttributeValue::S(
                    path.rsplit('/').next().unwrap().to_string(),
                ),
            )
            .send()
            .await
            .ok();
        let unknown = if query.is_empty() {
            call(&api, api_request(route, &path, &query, None)).await
        } else {
            let key = format!("uploads/{ALICE}/77/b.mp4");
            let unknown = call(
                &api,
                api_request(route, &path, &[("inputFile", &key)], None),
            )
            .await;
            assert_eq!(unknown.status, 404);
            unknown
        };
        assert_eq!(theirs.status, 404, "{path}: {}", theirs.body);
        assert_eq!(theirs.headers, unknown.headers, "{path}");
        if query.is_empty() {
            assert_eq!(theirs.text, unknown.text, "{path}");
        } else {
            assert_eq!(theirs.body["error"], unknown.body["error"], "{path}");
            assert_eq!(theirs.text, unknown.text, "{path}");
        }
    }
}

// --- listing and quota --------------------------------------------------------------------

#[tokio::test]
async fn get_jobs_lists_the_callers_uploads_newest_first_a_page_at_a_time() {
    let (_local, api, inputs, statuses) = api_and_tables("api-list").await;
    let bob = BOB;
    let seq = normalize_sequencer(SEQ).unwrap();
    let base = 1_764_000_000;
    // Alice and Bob upload in turns; Alice's 7th upload is claimed, its job not created yet.
    let mut alices = Vec::new();
    for i in 0..14i64 {
        let owner = if i % 2 == 0 { ALICE } else { bob };
        let key = format!("uploads/{owner}/{i:02}/v{i}.mp4");
        let job = format!("1764000000000-job{i:03}");
        inputs
            .claim(&key, &seq, &job, Some(owner), base + i)
            .await
            .unwrap();
        if i != 12 {
            statuses
                .apply(
                    &StateUpdate::submitted(&job, None),
                    None,
                    Some(owner),
                    base + i,
                )
                .await
                .unwrap();
        }
        if owner == ALICE {
            alices.push(key);
        }
    }
    alices.reverse();

    let mut listed = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut query = vec![("limit", "3")];
        if let Some(c) = cursor.as_deref() {
            query.push(("cursor", c));
        }
        let answer = call(&api, api_request("GET /jobs", "/jobs", &query, None)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        pages += 1;
        let jobs = answer.body["jobs"].as_array().unwrap().clone();
        assert!(jobs.len() <= 3);
        listed.extend(jobs);
        match answer.body["nextCursor"].as_str() {
            Some(next) => {
                // A cursor is Alice's alone: Bob presenting it gets a 400, never her page.
                let stolen = call(
                    &api,
                    api_event(
                        "GET /jobs",
                        "/jobs",
                        &[("cursor", next)],
                        None,
                        Some("bob@example.com"),
                    ),
                )
                .await;
                assert_eq!(
                    (stolen.status, stolen.body["error"]["code"].as_str()),
                    (400, Some("bad_cursor"))
                );
                cursor = Some(next.to_string());
            }
            None => break,
        }
        assert!(pages < 10, "the cursor does not advance");
    }
    assert!(pages >= 3, "7 uploads in pages of 3");
    let keys: Vec<&str> = listed
        .iter()
        .map(|j| j["inputFile"].as_str().unwrap())
        .collect();
    assert_eq!(keys, alices, "Alice's uploads, newest first, each once");
    let newest = &listed[0];
    assert_eq!(newest["fileName"], "v12.mp4");
    assert_eq!(newest["jobId"], "1764000000000-job012");
    assert!(newest.get("status").is_none(), "no status before SUBMITTED");
    assert_eq!(
        listed[1],
        serde_json::json!({"jobId": "1764000000000-job010", "inputFile": alices[1],
            "fileName": "v10.mp4", "status": "SUBMITTED", "progress": 0,
            "createdAt": "2025-11-24T16:00:10Z"})
    );
    // The default page holds everything here, and no cursor follows the last page.
    let answer = call(&api, api_request("GET /jobs", "/jobs", &[], None)).await;
    assert_eq!(answer.body["jobs"].as_array().unwrap().len(), 7);
    assert!(answer.body.get("nextCursor").is_none(), "{}", answer.body);
}

#[tokio::test]
async fn uploads_over_the_daily_quota_get_429_with_retry_after_and_no_url() {
    let local = Local::create(&Moto::shared().endpoint(), "api-quota").await;
    let api = StatusApi::new(
        local.status_api_config(),
        local.dynamodb.clone(),
        local.s3.clone(),
    );
    let upload = || {
        api_request(
            "POST /uploads",
            "/uploads",
            &[],
            Some(r#"{"fileName":"a.mp4","size":10}"#),
        )
    };
    // A refused request counts nothing.
    let bad = call(
        &api,
        api_request(
            "POST /uploads",
            "/uploads",
            &[],
            Some(r#"{"fileName":"a.mp4"}"#),
        ),
    )
    .await;
    assert_eq!(bad.status, 400);
    for n in 0..common::UPLOADS_PER_DAY {
        let answer = call(&api, upload()).await;
        assert_eq!(answer.status, 201, "upload {n}: {}", answer.body);
    }
    let over = call(&api, upload()).await;
    assert_eq!(
        (over.status, over.body["error"]["code"].as_str()),
        (429, Some("quota_exceeded")),
        "{}",
        over.body
    );
    assert!(over.body.get("uploadUrl").is_none());
    let retry_after: i64 = over.headers["retry-after"]
        .as_str()
        .expect("a Retry-After header")
        .parse()
        .unwrap();
    let now = now_epoch();
    assert!(
        (1..=86_400).contains(&retry_after) && (now + retry_after) % 86_400 <= 5,
        "Retry-After {retry_after} does not point at the next UTC midnight"
    );
    // Another user has a quota of their own; the counter item expires a day after its day.
    let bobs = call(
        &api,
        api_event(
            "POST /uploads",
            "/uploads",
            &[],
            Some(r#"{"fileName":"a.mp4","size":10}"#),
            Some("bob"),
        ),
    )
    .await;
    assert_eq!(bobs.status, 201, "{}", bobs.body);
    let counters = local.scan(&local.names.upload_quota_table).await;
    assert_eq!(counters.len(), 2, "{counters:?}");
    let alice = counters
        .iter()
        .find(|c| s(c, "QuotaKey").starts_with(ALICE))
        .unwrap();
    assert_eq!(
        num(alice, "UploadCount"),
        i64::from(common::UPLOADS_PER_DAY)
    );
    let expires = num(alice, "ExpirationTime");
    assert_eq!(expires % 86_400, 0);
    assert!((now + 86_400..=now + 2 * 86_400).contains(&expires));
}

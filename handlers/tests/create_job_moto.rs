//! create-job against moto's DynamoDB and S3, with MediaConvert's CreateJob captured by the
//! SDK's replay client: the three items and the one request per upload, redeliveries, older
//! uploads and retries after the token window, key decoding, and malformed records.

mod common;

use common::events::{KEY, RAW_KEY, SEQ, mediaconvert_event_from, s3_event};
use common::{Local, num, s};
use handlers::domain::{client_request_token, normalize_sequencer};
use handlers::entrypoints::{CreateJob, Created, Handled, JobStateHandler};
use testkit::Moto;

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
        serde_json::json!({"stack": common::STACK, "job": job_id, "submittedAt": submitted_at})
    );
    let settings = &body["settings"];
    assert_eq!(
        settings["inputs"],
        serde_json::json!([{
            "fileInput": format!("s3://{}/{KEY}", local.names.input_bucket),
            "timecodeSource": "ZEROBASED",
            "videoSelector": {"rotate": "AUTO"},
            "audioSelectors": {"Audio Selector 1": {"defaultSelection": "DEFAULT"}}
        }])
    );
    let groups = settings["outputGroups"].as_array().unwrap();
    assert_eq!(groups.len(), 2, "the HLS group and the poster's");
    assert_eq!(
        groups[1]["outputGroupSettings"],
        serde_json::json!({"type": "FILE_GROUP_SETTINGS", "fileGroupSettings": {
            "destination": format!("s3://{}/{output_path}poster", local.names.output_bucket)}}),
        "the poster beside the HLS files, where the distribution serves it"
    );
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
        // COMPLETE: the output item read with the video's lifetime set, the upload's item
        // given the same lifetime, the status.
        ("mediaconvert/complete.json", first, 3),
        ("mediaconvert/status-update.json", second, 1),
        ("mediaconvert/complete.json", second, 3),
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

//! job-state against moto's DynamoDB and S3: COMPLETE's key file and info.json before the
//! status, the other statuses and the seed's events, and bad events that change nothing.

mod common;

use common::events::{job_id, mediaconvert_event};
use common::{Local, num, output_table, s};
use handlers::entrypoints::{Handled, JobStateHandler};
use handlers::store::{JobOutput, now_epoch};
use testkit::Moto;
use testkit::fixtures::fixture;

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
                owner: None,
                input_file: None,
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
    // A finished video is kept until its owner deletes it (VideoRetentionDays 0).
    assert!(!item.contains_key("ExpirationTime"), "{item:?}");
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
                owner: None,
                input_file: None,
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

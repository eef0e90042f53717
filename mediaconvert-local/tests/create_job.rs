//! create-job (the handlers' entrypoint, as its Lambda runs it) against this MediaConvert:
//! uploads named as people name files reach a job, because no user metadata value carries
//! the file name; and the service's metadata rule, which the published model does not hold,
//! is enforced here as MediaConvert enforces it.

mod support;

use handlers::adapters::{JobRequest, Transcoder};
use handlers::config::CreateJobConfig;
use handlers::entrypoints::{CreateJob, Created};
use mediaconvert_local::Server;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use support::{TEMPLATE, ffmpeg};
use testkit::aws::Resources;
use tokio::sync::mpsc;

/// S3's event encoding of an object key (form encoding: space as `+`).
fn s3_event_key(key: &str) -> String {
    key.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' | b'/' => {
                (b as char).to_string()
            }
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The handlers' S3 fixture event, one record per key.
fn object_created(bucket: &str, keys: &[String]) -> aws_lambda_events::s3::S3Event {
    let record = testkit::fixtures::fixture("s3/object-created.json")["Records"][0].clone();
    let records: Vec<Value> = keys
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let mut r = record.clone();
            r["s3"]["bucket"]["name"] = bucket.into();
            r["s3"]["bucket"]["arn"] = format!("arn:aws:s3:::{bucket}").into();
            r["s3"]["object"]["key"] = s3_event_key(key).into();
            r["s3"]["object"]["sequencer"] = format!("0055AED6DCD9028{i:03}").into();
            r
        })
        .collect();
    serde_json::from_value(json!({ "Records": records })).expect("an S3 event")
}

struct Setup {
    _moto: testkit::Moto,
    aws: Resources,
    server: Server,
    events: mpsc::UnboundedReceiver<Value>,
}

async fn setup(label: &str) -> Setup {
    let moto = testkit::Moto::start();
    let aws = Resources::create(&moto.endpoint(), label).await;
    let (server, events) =
        support::start(aws.s3.clone(), 0.01, mediaconvert_local::TOKEN_WINDOW).await;
    Setup {
        _moto: moto,
        aws,
        server,
        events,
    }
}

fn create_job(setup: &Setup) -> CreateJob {
    let n = &setup.aws.names;
    let config = CreateJobConfig {
        input_file_table: n.input_file_table.clone(),
        job_output_table: n.job_output_table.clone(),
        job_status_table: n.job_status_table.clone(),
        output_bucket: n.output_bucket.clone(),
        mediaconvert_role_arn: "arn:aws:iam::123456789012:role/vod-test-mediaconvert".into(),
        mediaconvert_job_template: TEMPLATE.into(),
        status_update_interval_seconds: 10,
        ttl_days: 7,
        stack_name: "vod-test".into(),
        api_url: "https://api.example.test".into(),
    };
    CreateJob::new(
        config,
        setup.aws.dynamodb.clone(),
        testkit::aws::mediaconvert(&setup.server.endpoint()),
    )
}

/// The names people give files, which MediaConvert refuses as metadata values: `(`, `)`,
/// `'`, `&`, `#`, and a name that alone is near the 255-byte limit (with its key past 256).
fn awkward_names() -> Vec<String> {
    let long = format!("{}.mp4", "Long name ".repeat(25));
    assert_eq!(long.len(), 254);
    ["IMG_0042 (1).MOV", "Tom's party.mp4", "a&b.mp4", "#1.mp4"]
        .map(String::from)
        .into_iter()
        .chain([long])
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_named_as_people_name_files_each_start_a_job_that_completes() {
    let mut setup = setup("cj-names").await;
    let bucket = setup.aws.names.input_bucket.clone();
    let scratch = tempfile::tempdir().unwrap();
    let clip = testkit::test_clip(&ffmpeg(), scratch.path(), 160, 90, 1);
    // A Cognito owner (plain) and an OIDC owner in the `~` form, whose `~` is not a
    // metadata character either.
    let keys: Vec<String> = awkward_names()
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let owner = if i % 2 == 0 {
                "0d5b3e9a-70a1-4c1e"
            } else {
                "~YXV0aDB8MTIz"
            };
            format!("uploads/{owner}/5f1c2e3d4b5a6978879{i}/{name}")
        })
        .collect();
    for key in &keys {
        setup
            .aws
            .s3
            .put_object()
            .bucket(&bucket)
            .key(key)
            .body(clip.clone().into())
            .send()
            .await
            .expect("put the clip");
    }

    let created = create_job(&setup)
        .handle(object_created(&bucket, &keys))
        .await
        .unwrap_or_else(|e| panic!("create-job failed: {e}"));
    let job_ids: Vec<String> = created
        .iter()
        .map(|c| match c {
            Created::Job { job_id } => job_id.clone(),
            other => panic!("expected a new job, got {other:?}"),
        })
        .collect();
    assert_eq!(setup.server.job_count(), keys.len());

    for (key, job_id) in keys.iter().zip(&job_ids) {
        let output = setup
            .aws
            .item(&setup.aws.names.job_output_table, "JobId", job_id)
            .await
            .expect("the job's output item");
        // Where job-state finds the owner the metadata of a `~` owner cannot carry.
        let owner = handlers::domain::upload::owner_of_key(key).unwrap();
        assert_eq!(testkit::functions::text(&output, "Owner"), owner);
    }
    let mut finished = BTreeMap::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while finished.len() < keys.len() {
        let event = tokio::time::timeout_at(deadline, setup.events.recv())
            .await
            .expect("every job ends within 120 s")
            .expect("the sink stays open");
        let detail = &event["detail"];
        if let Some(status @ ("COMPLETE" | "ERROR")) = detail["status"].as_str() {
            let job = detail["userMetadata"]["job"].as_str().unwrap().to_string();
            assert!(
                detail["userMetadata"].get("inputFile").is_none(),
                "{detail}"
            );
            finished.insert(job, (status.to_string(), detail["errorMessage"].clone()));
        }
    }
    for job_id in &job_ids {
        assert_eq!(
            finished[job_id].0, "COMPLETE",
            "{job_id}: {:?}",
            finished[job_id]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_values_outside_mediaconverts_rule_are_refused_naming_the_value() {
    let setup = setup("cj-meta").await;
    let transcoder = Transcoder::new(testkit::aws::mediaconvert(&setup.server.endpoint()));
    let key_hex = hex::encode(handlers::adapters::random_key().unwrap());
    let send = |value: String| {
        let transcoder = transcoder.clone();
        let key_hex = key_hex.clone();
        async move {
            transcoder
                .create_job(&JobRequest {
                    input_bucket: "in",
                    input_key: "uploads/a.mp4",
                    output_bucket: "out",
                    output_path: "hls/j/",
                    key_hex: &key_hex,
                    key_url: "https://api.example.test/jobs/j/key",
                    job_template: TEMPLATE,
                    role_arn: "arn:aws:iam::123456789012:role/vod-test-mediaconvert",
                    status_update_interval_seconds: 10,
                    user_metadata: BTreeMap::from([("inputFile".to_string(), value)]),
                    client_request_token: "6c62272e07bb014262b821756295c58d",
                })
                .await
        }
    };
    for bad in ["uploads/o/1/test&.mp4".to_string(), "a".repeat(257)] {
        let e = send(bad.clone()).await.expect_err("refused").to_string();
        assert!(e.contains("BadRequestException"), "{e}");
        assert!(
            e.contains(&format!("The user metadata value '{bad}' is invalid")),
            "{e}"
        );
        assert!(!e.contains(&key_hex), "the error carries the key");
    }
    assert_eq!(setup.server.job_count(), 0, "a refused request made a job");
    send("uploads/o/1/Été 2024 v2.mp4".to_string())
        .await
        .expect("letters, digits, spaces and . / are accepted");
    assert_eq!(setup.server.job_count(), 1);
}

//! job-state's progress push (issue 17) against moto's DynamoDB and the local AppSync Events
//! stand-in, which checks every publish's SigV4 signature: one event per stored change, none
//! for an event that changed nothing, and a failed publish that never fails the event.

mod common;

use aws_credential_types::provider::SharedCredentialsProvider;
use common::events::{job_id, mediaconvert_event};
use common::{Local, num, s};
use handlers::entrypoints::{Handled, JobStateHandler};
use handlers::push::Publisher;
use serde_json::Value;
use testkit::Moto;

const OWNER: &str = "3f1c2a7e-9b4d-4e21-8c6a-0d5e7f9a1b2c";

fn with_owner(path: &str, job: &str, owner: &str) -> Value {
    let mut e = mediaconvert_event(path, job);
    e["detail"]["userMetadata"]["owner"] = owner.into();
    e
}

fn credentials() -> SharedCredentialsProvider {
    SharedCredentialsProvider::new(testkit::aws::credentials())
}

async fn stand_in() -> appsync_local::Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let jwt =
        appsync_local::JwtConfig::cognito("http://127.0.0.1:9", testkit::REGION, "unused", vec![]);
    let credentials = appsync_local::Credentials {
        access_key_id: testkit::ACCESS_KEY_ID.into(),
        secret_access_key: testkit::SECRET_ACCESS_KEY.into(),
        session_token: None,
    };
    let config = appsync_local::Config::new(testkit::REGION, credentials, jwt);
    appsync_local::serve(listener, config).unwrap()
}

fn event_of(publish: &appsync_local::Publish) -> Value {
    assert_eq!(publish.events.len(), 1, "one event per publish");
    serde_json::from_str(&publish.events[0]).unwrap()
}

#[tokio::test]
async fn each_stored_change_is_published_once_to_the_owners_job_channel() {
    let local = Local::create(&Moto::shared().endpoint(), "push-once").await;
    let server = stand_in().await;
    let publisher = Publisher::new(&server.http_url(), testkit::REGION, credentials());
    let handler = JobStateHandler::new(
        local.job_state_config(),
        local.dynamodb.clone(),
        local.s3.clone(),
    )
    .with_publisher(publisher);
    let job = &job_id(7);
    let update = with_owner("mediaconvert/status-update.json", job, OWNER);
    handler.handle(update.clone()).await.unwrap();
    // Redelivered: nothing changed, nothing is published.
    handler.handle(update).await.unwrap();
    let publishes = server.publishes();
    assert_eq!(publishes.len(), 1, "{publishes:?}");
    assert_eq!(publishes[0].channel, format!("/jobs/{OWNER}/{job}"));
    let event = event_of(&publishes[0]);
    assert_eq!(event["jobId"], job.as_str());
    assert_eq!(event["status"], "PROGRESSING");
    assert_eq!(event["progress"], 31);
    assert_eq!(event["phase"], "TRANSCODING");
    assert!(event["eventTime"].is_i64());
    let first_sequence = event["sequence"].as_str().unwrap().to_string();
    // Nothing secret or internal rides along.
    let mut keys: Vec<&String> = event.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "eventTime",
            "jobId",
            "phase",
            "progress",
            "sequence",
            "status"
        ]
    );

    // An earlier event arriving late changes nothing and publishes nothing; a later one does.
    handler
        .handle(with_owner("mediaconvert/progressing.json", job, OWNER))
        .await
        .unwrap();
    assert_eq!(server.publishes().len(), 1);
    let mut later = with_owner("mediaconvert/status-update.json", job, OWNER);
    later["detail"]["jobProgress"]["jobPercentComplete"] = 64.into();
    handler.handle(later).await.unwrap();
    let publishes = server.publishes();
    assert_eq!(publishes.len(), 2);
    let second = event_of(&publishes[1]);
    assert_eq!(second["progress"], 64);
    assert!(second["sequence"].as_str().unwrap() > first_sequence.as_str());
}

#[tokio::test]
async fn an_owner_outside_the_channel_alphabet_publishes_under_its_channel_form() {
    let local = Local::create(&Moto::shared().endpoint(), "push-form").await;
    let server = stand_in().await;
    let handler = JobStateHandler::new(
        local.job_state_config(),
        local.dynamodb.clone(),
        local.s3.clone(),
    )
    .with_publisher(Publisher::new(
        &server.http_url(),
        testkit::REGION,
        credentials(),
    ));
    let job = &job_id(8);
    // The stored owner form of "auth0|abc".
    let event = with_owner("mediaconvert/status-update.json", job, "~YXV0aDB8YWJj");
    handler.handle(event).await.unwrap();
    assert_eq!(
        server.publishes()[0].channel,
        format!("/jobs/b--YXV0aDB8YWJj/{job}")
    );
}

#[tokio::test]
async fn a_refused_or_unreachable_publish_never_fails_the_event() {
    let local = Local::create(&Moto::shared().endpoint(), "push-fail").await;
    let server = stand_in().await;
    // Wrong secret: the stand-in refuses the signature (403).
    let wrong = SharedCredentialsProvider::new(aws_credential_types::Credentials::new(
        testkit::ACCESS_KEY_ID,
        "not-the-secret",
        None,
        None,
        "wrong",
    ));
    for (label, publisher) in [
        (
            "refused",
            Publisher::new(&server.http_url(), testkit::REGION, wrong),
        ),
        (
            "unreachable",
            Publisher::new("http://127.0.0.1:9/event", testkit::REGION, credentials()),
        ),
    ] {
        let handler = JobStateHandler::new(
            local.job_state_config(),
            local.dynamodb.clone(),
            local.s3.clone(),
        )
        .with_publisher(publisher);
        let job = &job_id(if label == "refused" { 9 } else { 10 });
        let handled = handler
            .handle(with_owner("mediaconvert/status-update.json", job, OWNER))
            .await
            .unwrap_or_else(|e| panic!("{label}: the event failed: {e}"));
        assert!(
            matches!(handled, Handled::Merged(a) if a.written),
            "{label}"
        );
        let item = local
            .item(&local.names.job_status_table, "JobId", job)
            .await
            .unwrap();
        assert_eq!(
            (s(&item, "JobStatus"), num(&item, "ProgressRate")),
            ("PROGRESSING".into(), 31),
            "{label}: the state is stored"
        );
    }
    assert!(server.publishes().is_empty());
}

#[test]
fn a_failed_publish_is_counted_by_stack_in_emf() {
    let line: Value = serde_json::from_str(&handlers::metrics::publish_failed_line(
        "vod-dev",
        1_700_000_000_000,
    ))
    .unwrap();
    assert_eq!(line["Stack"], "vod-dev");
    assert_eq!(line["PublishFailures"], 1);
    let directive = &line["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(directive["Namespace"], "VodProgress");
    assert_eq!(directive["Dimensions"], serde_json::json!([["Stack"]]));
    assert_eq!(
        directive["Metrics"],
        serde_json::json!([{ "Name": "PublishFailures", "Unit": "Count" }])
    );
}

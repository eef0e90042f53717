//! A store that is unreachable: every handler fails (so Lambda retries and the DLQ keeps the
//! event), and status-api answers 503 instead of a runtime error.

mod common;

use common::Local;
use common::api::{api_request, call};
use common::events::{RAW_KEY, SEQ, job_id, mediaconvert_event, s3_event};
use handlers::entrypoints::{CreateJob, JobStateHandler, StatusApi};
use testkit::Moto;

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
        common::mediaconvert(&[]).1,
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

//! A video's lifecycle, `DELETE /jobs/{jobId}` and `POST /jobs/{jobId}/cancel` through the real binaries over the
//! Runtime API, DynamoDB and S3 on moto, MediaConvert on a loopback stand-in that records
//! CancelJob (`DELETE /2017-08-29/jobs/{id}`, 202 as the service answers).

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use runtime_api::{Function, HttpStub, Invocation, Response};
use testkit::Moto;
use testkit::fixtures::{fixture, fixture_owner, job_id, owned_mediaconvert_event};
use testkit::functions::{LocalAws, text};

testkit::handler_binaries!();

const ANSWER: Duration = Duration::from_secs(30);

/// An API event of the API fixtures' caller (or `sub`) on `route` for `job`.
fn api_event(route: &str, job: &str, sub: Option<&str>) -> Vec<u8> {
    let (method, _) = route.split_once(' ').expect("a route key");
    let path = route.split_once(' ').unwrap().1.replace("{jobId}", job);
    let mut event = fixture("apigw/get-job.json");
    event["routeKey"] = route.into();
    event["requestContext"]["routeKey"] = route.into();
    event["requestContext"]["http"]["method"] = method.into();
    event["rawPath"] = path.clone().into();
    event["requestContext"]["http"]["path"] = path.into();
    event["pathParameters"]["jobId"] = job.into();
    if let Some(sub) = sub {
        event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = sub.into();
    }
    event.to_string().into_bytes()
}

/// Status and body (JSON, or null for an empty body) of a status-api answer.
fn answer(invocation: &Invocation) -> (u64, serde_json::Value) {
    let raw = invocation
        .outcome
        .as_ref()
        .expect("an answered invocation")
        .response()
        .text();
    let answer: serde_json::Value = serde_json::from_str(&raw).expect("a JSON answer");
    let body = answer["body"].as_str().unwrap_or_default();
    let body = if body.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
    };
    (answer["statusCode"].as_u64().expect("a status"), body)
}

/// A MediaConvert stand-in answering CancelJob with 202, or with `conflict` 409 as the
/// service does for a job that already ended.
fn mediaconvert(conflict: bool) -> HttpStub {
    HttpStub::start(move |request, _| {
        if request.method == "DELETE" && request.path.starts_with("/2017-08-29/jobs/") {
            if conflict {
                return Response::json(
                    409,
                    r#"{"__type":"ConflictException","message":"job is already complete"}"#,
                );
            }
            return Response::json(202, "{}");
        }
        Response::json(400, r#"{"message":"not CancelJob"}"#)
    })
}

fn cancel_requests(stub: &HttpStub) -> Vec<String> {
    stub.requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| r.path.clone())
        .collect()
}

/// A job of the fixtures' caller: its upload (object and item), its output item, and the
/// events `fixtures` delivered to job-state; returns the upload's key.
fn recorded_job(aws: &LocalAws, job: &str, fixtures: &[&str]) -> String {
    recorded_job_with(aws, job, fixtures, &[])
}

/// After a delete: the upload (object and item) and the job's output item are gone.
fn assert_upload_and_items_gone(aws: &LocalAws, job: &str, upload: &str) {
    assert!(
        aws.object(&aws.names.input_bucket, upload).is_none(),
        "the upload remains"
    );
    assert!(
        aws.item(&aws.names.input_file_table, "InputFile", upload)
            .is_none(),
        "the upload's item remains"
    );
    assert!(
        aws.item(&aws.names.job_output_table, "JobId", job)
            .is_none(),
        "the output item remains"
    );
}

/// The uploaded file, in the input bucket under `upload`.
fn put_upload(aws: &LocalAws, upload: &str) {
    aws.rt
        .block_on(
            aws.s3
                .put_object()
                .bucket(&aws.names.input_bucket)
                .key(upload)
                .body(b"video".to_vec().into())
                .send(),
        )
        .expect("put the upload");
}

/// [`recorded_job`] with job-state's environment changed by `env`.
fn recorded_job_with(aws: &LocalAws, job: &str, fixtures: &[&str], env: &[(&str, &str)]) -> String {
    let owner = fixture_owner();
    let upload = format!("uploads/{owner}/u-{job}/clip.mp4");
    put_upload(aws, &upload);
    aws.rt
        .block_on(
            aws.dynamodb
                .put_item()
                .table_name(&aws.names.input_file_table)
                .item("InputFile", AttributeValue::S(upload.clone()))
                .item("JobId", AttributeValue::S(job.into()))
                .send(),
        )
        .expect("put the input-file item");
    aws.put_output_item(
        job,
        &format!("hls/{job}/"),
        &format!("keys/{job}/clip.key"),
        "00112233445566778899aabbccddeeff",
    );
    for name in ["index.m3u8", "index_360p.m3u8", "index_360p_00001.ts"] {
        aws.rt
            .block_on(
                aws.s3
                    .put_object()
                    .bucket(&aws.names.output_bucket)
                    .key(format!("hls/{job}/{name}"))
                    .body(b"x".to_vec().into())
                    .send(),
            )
            .expect("put an HLS object");
    }
    // ... and on the output item, before CreateJob.
    record_upload(aws, &aws.names.job_output_table, job, &upload);
    let mut job_state = aws.spawn(JOB_STATE, env);
    for f in fixtures {
        job_state.invoke_ok(event_of(f, job), ANSWER);
    }
    // The upload, as create-job records it on the status item with SUBMITTED.
    record_upload(aws, &aws.names.job_status_table, job, &upload);
    upload
}

/// Sets `InputFile` on the item of `job` in `table`, as create-job writes it.
fn record_upload(aws: &LocalAws, table: &str, job: &str, upload: &str) {
    aws.rt
        .block_on(
            aws.dynamodb
                .update_item()
                .table_name(table)
                .key("JobId", AttributeValue::S(job.into()))
                .update_expression("SET InputFile = :f")
                .expression_attribute_values(":f", AttributeValue::S(upload.into()))
                .send(),
        )
        .expect("record the upload on the item");
}

/// A MediaConvert event of `job` with the metadata create-job sets (no file name: the
/// upload is found through the job's items).
fn event_of(fixture: &str, job: &str) -> Vec<u8> {
    owned_mediaconvert_event(fixture, job, &fixture_owner())
}

fn status_of(aws: &LocalAws, job: &str) -> String {
    aws.item(&aws.names.job_status_table, "JobId", job)
        .map(|item| text(&item, "JobStatus").to_string())
        .unwrap_or_default()
}

fn status_api(aws: &LocalAws, stub: &HttpStub, extra: &[(&str, &str)]) -> Function {
    let endpoint = stub.endpoint();
    let mut env = vec![("AWS_ENDPOINT_URL_MEDIACONVERT", endpoint.as_str())];
    env.extend_from_slice(extra);
    aws.spawn(STATUS_API, &env)
}

#[test]
fn delete_removes_a_video_and_its_late_events_never_bring_it_back() {
    let aws = LocalAws::create(Moto::shared(), "rt-delete");
    let job = &job_id("del001");
    let upload = recorded_job(
        &aws,
        job,
        &[
            "mediaconvert/status-update.json",
            "mediaconvert/complete.json",
        ],
    );
    assert_eq!(status_of(&aws, job), "COMPLETE");
    assert!(
        aws.object(&aws.names.output_bucket, &format!("keys/{job}/clip.key"))
            .is_some()
    );
    let stub = mediaconvert(false);
    let mut api = status_api(&aws, &stub, &[]);

    // Bad input and other callers first: nothing may change.
    let (status, body) = answer(&api.invoke(
        api_event(wiring::routes::DELETE_JOB, "bad%20id", None),
        ANSWER,
    ));
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("bad_job_id"))
    );
    let (status, body) = answer(&api.invoke(
        api_event(wiring::routes::DELETE_JOB, job, Some("someone-else")),
        ANSWER,
    ));
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("no_such_job"))
    );
    let (status, _) = answer(&api.invoke(
        api_event(wiring::routes::DELETE_JOB, &job_id("nosuch"), None),
        ANSWER,
    ));
    assert_eq!(status, 404);
    assert_eq!(
        status_of(&aws, job),
        "COMPLETE",
        "another user's delete changed the job"
    );

    let (status, body) =
        answer(&api.invoke(api_event(wiring::routes::DELETE_JOB, job, None), ANSWER));
    assert_eq!((status, &body), (204, &serde_json::Value::Null));
    let output_keys = aws.keys(&aws.names.output_bucket);
    assert!(
        !output_keys.iter().any(|k| k.contains(job.as_str())),
        "objects of the deleted job remain: {output_keys:?}"
    );
    assert_upload_and_items_gone(&aws, job, &upload);
    assert!(
        cancel_requests(&stub).is_empty(),
        "a finished job needs no CancelJob"
    );
    for route in [wiring::routes::GET_JOB, wiring::routes::GET_KEY] {
        let (status, _) = answer(&api.invoke(api_event(route, job, None), ANSWER));
        assert_eq!(status, 404, "{route} of a deleted job");
    }

    // Idempotent: the same answer again, with nothing left to remove.
    let (status, _) = answer(&api.invoke(api_event(wiring::routes::DELETE_JOB, job, None), ANSWER));
    assert_eq!(status, 204);

    // Late and redelivered events lose against the tombstone and write no file.
    let mut job_state = aws.spawn(JOB_STATE, &[]);
    for f in [
        "mediaconvert/status-update.json",
        "mediaconvert/complete.json",
    ] {
        job_state.invoke_ok(event_of(f, job), ANSWER);
        assert_eq!(status_of(&aws, job), "DELETED", "{f} brought the job back");
    }
    let output_keys = aws.keys(&aws.names.output_bucket);
    assert!(
        !output_keys.iter().any(|k| k.contains(job.as_str())),
        "a late COMPLETE wrote files of a deleted job: {output_keys:?}"
    );
}

/// The upload's job as the real create-job makes it (CreateJob on `mediaconvert`, SUBMITTED
/// recorded): no MediaConvert event has arrived yet. Returns the job id and upload key.
fn submitted_job(aws: &LocalAws, mediaconvert: &HttpStub) -> (String, String) {
    let upload = format!("uploads/{}/u-pending/clip.mp4", fixture_owner());
    put_upload(aws, &upload);
    let mut event = fixture("s3/object-created.json");
    let s3 = &mut event["Records"][0]["s3"];
    s3["bucket"]["name"] = aws.names.input_bucket.as_str().into();
    s3["bucket"]["arn"] = format!("arn:aws:s3:::{}", aws.names.input_bucket).into();
    // The key has no character that S3's event encoding changes.
    s3["object"]["key"] = upload.as_str().into();
    let sequencer = s3["object"]["sequencer"].as_str().unwrap().to_string();
    let mut create_job = aws.spawn(
        CREATE_JOB,
        &[("AWS_ENDPOINT_URL_MEDIACONVERT", &mediaconvert.endpoint())],
    );
    create_job.invoke_ok(event.to_string(), ANSWER);
    let job = handlers::domain::client_request_token(
        &upload,
        &handlers::domain::normalize_sequencer(&sequencer).unwrap(),
    );
    (job, upload)
}

#[test]
fn a_job_still_submitted_without_any_event_is_deleted_and_canceled() {
    let aws = LocalAws::create(Moto::shared(), "rt-delete-pending");
    let created = testkit::functions::mediaconvert_stub();
    let (job, upload) = submitted_job(&aws, &created);
    assert_eq!(status_of(&aws, &job), "SUBMITTED");
    assert!(aws.object(&aws.names.input_bucket, &upload).is_some());
    assert!(
        aws.item(&aws.names.job_output_table, "JobId", &job)
            .is_some()
    );

    let stub = mediaconvert(false);
    let mut api = status_api(&aws, &stub, &[]);
    let (status, body) =
        answer(&api.invoke(api_event(wiring::routes::DELETE_JOB, &job, None), ANSWER));
    assert_eq!((status, &body), (204, &serde_json::Value::Null));
    assert_eq!(
        cancel_requests(&stub),
        [format!(
            "/2017-08-29/jobs/{}",
            testkit::functions::stub_job_id(0)
        )],
        "the MediaConvert job create-job started is canceled"
    );
    assert_eq!(status_of(&aws, &job), "DELETED");
    assert_upload_and_items_gone(&aws, &job, &upload);
    let (status, _) = answer(&api.invoke(api_event(wiring::routes::GET_JOB, &job, None), ANSWER));
    assert_eq!(status, 404);

    // MediaConvert's first events, arriving after the delete, change nothing.
    let mut job_state = aws.spawn(JOB_STATE, &[]);
    for f in [
        "mediaconvert/status-update.json",
        "mediaconvert/canceled.json",
    ] {
        job_state.invoke_ok(event_of(f, &job), ANSWER);
        assert_eq!(status_of(&aws, &job), "DELETED", "{f} brought the job back");
    }
}

#[test]
fn a_delete_that_fails_half_way_is_repeated_and_finishes() {
    let aws = LocalAws::create(Moto::shared(), "rt-delete-retry");
    let job = &job_id("del002");
    let upload = recorded_job(&aws, job, &["mediaconvert/complete.json"]);
    let stub = mediaconvert(false);
    // S3 does not answer: the tombstone is written, the objects are not removed.
    let mut broken = status_api(
        &aws,
        &stub,
        &[("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")],
    );
    let (status, body) =
        answer(&broken.invoke(api_event(wiring::routes::DELETE_JOB, job, None), ANSWER));
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (503, Some("unavailable"))
    );
    assert_eq!(status_of(&aws, job), "DELETED");
    assert!(aws.object(&aws.names.input_bucket, &upload).is_some());

    let mut api = status_api(&aws, &stub, &[]);
    let (status, _) = answer(&api.invoke(api_event(wiring::routes::DELETE_JOB, job, None), ANSWER));
    assert_eq!(status, 204);
    let left: Vec<String> = aws
        .keys(&aws.names.output_bucket)
        .into_iter()
        .chain(aws.keys(&aws.names.input_bucket))
        .filter(|k| k.contains(job.as_str()))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    assert!(
        aws.item(&aws.names.job_output_table, "JobId", job)
            .is_none()
    );
    assert!(
        aws.item(&aws.names.input_file_table, "InputFile", &upload)
            .is_none()
    );
}

#[test]
fn cancel_sends_cancel_job_for_a_running_job_and_refuses_a_finished_one() {
    let aws = LocalAws::create(Moto::shared(), "rt-cancel");
    let job = &job_id("can001");
    recorded_job(&aws, job, &["mediaconvert/status-update.json"]);
    let stub = mediaconvert(false);
    let mut api = status_api(&aws, &stub, &[]);

    let (status, _) = answer(&api.invoke(
        api_event(wiring::routes::CANCEL_JOB, job, Some("someone-else")),
        ANSWER,
    ));
    assert_eq!(status, 404);
    assert!(cancel_requests(&stub).is_empty());

    let (status, body) =
        answer(&api.invoke(api_event(wiring::routes::CANCEL_JOB, job, None), ANSWER));
    assert_eq!(status, 202, "{body}");
    assert_eq!(
        body,
        serde_json::json!({"jobId": job, "status": "PROGRESSING"})
    );
    assert_eq!(cancel_requests(&stub), [format!("/2017-08-29/jobs/{job}")]);

    // The status moves through the job's own event.
    let mut job_state = aws.spawn(JOB_STATE, &[]);
    job_state.invoke_ok(event_of("mediaconvert/canceled.json", job), ANSWER);
    assert_eq!(status_of(&aws, job), "CANCELED");
    let (status, body) =
        answer(&api.invoke(api_event(wiring::routes::CANCEL_JOB, job, None), ANSWER));
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("job_finished"))
    );
    assert_eq!(
        cancel_requests(&stub).len(),
        1,
        "no CancelJob for a finished job"
    );
}

#[test]
fn cancel_of_a_job_that_ended_in_mediaconvert_meanwhile_is_a_409() {
    let aws = LocalAws::create(Moto::shared(), "rt-cancel-late");
    let job = &job_id("can002");
    recorded_job(&aws, job, &["mediaconvert/status-update.json"]);
    let stub = mediaconvert(true);
    let mut api = status_api(&aws, &stub, &[]);
    let (status, body) =
        answer(&api.invoke(api_event(wiring::routes::CANCEL_JOB, job, None), ANSWER));
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("job_finished"))
    );
}

/// `ExpirationTime` of the video's three items (status, output, upload), `None` when absent.
fn expirations(aws: &LocalAws, job: &str, upload: &str) -> [Option<i64>; 3] {
    let n = &aws.names;
    [
        aws.item(&n.job_status_table, "JobId", job),
        aws.item(&n.job_output_table, "JobId", job),
        aws.item(&n.input_file_table, "InputFile", upload),
    ]
    .map(|item| {
        let item = item.expect("the item exists");
        item.get("ExpirationTime")
            .map(|v| v.as_n().expect("a number").parse().expect("epoch seconds"))
    })
}

#[test]
fn a_finished_video_is_kept_until_deleted_or_for_the_stages_retention() {
    let aws = LocalAws::create(Moto::shared(), "rt-lifecycle");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;

    // In flight: the transient TtlDays (7 here) of create-job's items stays.
    let running = &job_id("life01");
    let upload = recorded_job(&aws, running, &["mediaconvert/status-update.json"]);
    let [status, output, _] = expirations(&aws, running, &upload);
    for at in [status, output] {
        let at = at.expect("an in-flight job's items expire");
        assert!((now + 6 * 86_400..=now + 8 * 86_400).contains(&at), "{at}");
    }

    // VideoRetentionDays 0 (the default): COMPLETE removes every expiry.
    let kept = &job_id("life02");
    let upload = recorded_job(
        &aws,
        kept,
        &[
            "mediaconvert/status-update.json",
            "mediaconvert/complete.json",
        ],
    );
    assert_eq!(expirations(&aws, kept, &upload), [None, None, None]);

    // 30 days: the three items expire together, at the UTC midnight after 30 days, when S3
    // expires the objects written before COMPLETE.
    let retained = &job_id("life03");
    let upload = recorded_job_with(
        &aws,
        retained,
        &["mediaconvert/complete.json"],
        &[("VIDEO_RETENTION_DAYS", "30")],
    );
    let [status, output, input] = expirations(&aws, retained, &upload);
    assert_eq!(status, output);
    assert_eq!(status, input);
    let at = status.expect("an expiry");
    assert_eq!(at % 86_400, 0, "not a UTC midnight: {at}");
    assert!(
        (now + 30 * 86_400..=now + 31 * 86_400).contains(&at),
        "{at}"
    );

    // A job that ends in ERROR keeps the transient expiry.
    let failed = &job_id("life04");
    let upload = recorded_job(&aws, failed, &["mediaconvert/error.json"]);
    let [status, _, _] = expirations(&aws, failed, &upload);
    assert!(status.is_some_and(|at| at <= now + 8 * 86_400));
}

/// The objects under `hls/<job>/`.
fn served_objects(aws: &LocalAws, job: &str) -> Vec<String> {
    let prefix = format!("hls/{job}/");
    aws.keys(&aws.names.output_bucket)
        .into_iter()
        .filter(|k| k.starts_with(&prefix))
        .collect()
}

/// A job that ends in ERROR or CANCELED keeps nothing of what MediaConvert wrote before it
/// stopped (its items expire by `TtlDays`; with `VideoRetentionDays` 0 no lifecycle rule
/// would take the objects), and a redelivery after the removal is a no-op; a job whose
/// stored state is COMPLETE keeps its files whatever failure event arrives late.
#[test]
fn a_failed_or_canceled_job_keeps_no_partial_output() {
    let aws = LocalAws::create(Moto::shared(), "rt-partial");
    for (n, ending) in [
        ("prt001", "mediaconvert/error.json"),
        ("prt002", "mediaconvert/canceled.json"),
    ] {
        let job = &job_id(n);
        recorded_job(&aws, job, &["mediaconvert/status-update.json"]);
        assert_eq!(served_objects(&aws, job).len(), 3, "the partial output");
        let mut job_state = aws.spawn(JOB_STATE, &[]);
        job_state.invoke_ok(event_of(ending, job), ANSWER);
        assert!(
            served_objects(&aws, job).is_empty(),
            "{ending}: {:?}",
            served_objects(&aws, job)
        );
        // Redelivered: nothing left to remove, and no error.
        job_state.invoke_ok(event_of(ending, job), ANSWER);
        assert!(served_objects(&aws, job).is_empty());
    }

    let job = &job_id("prt003");
    recorded_job(&aws, job, &["mediaconvert/complete.json"]);
    assert_eq!(status_of(&aws, job), "COMPLETE");
    let mut job_state = aws.spawn(JOB_STATE, &[]);
    // An older failure of the job (its event time is before COMPLETE's) loses the merge.
    job_state.invoke_ok(event_of("mediaconvert/canceled.json", job), ANSWER);
    assert_eq!(status_of(&aws, job), "COMPLETE");
    assert_eq!(
        served_objects(&aws, job).len(),
        3,
        "a COMPLETE video's files"
    );
}

//! status-api per user, against moto: another user's upload and job read exactly like unknown
//! ones, a user's listing holds only their uploads (newest first, a page at a time), and the
//! daily upload quota counts per user.

mod common;

use common::api::{ALICE, BOB, api_and_tables, api_event, api_request, call};
use common::events::SEQ;
use common::{Local, num, output_table, s};
use handlers::domain::{CompleteDetails, JobStatus, StateUpdate, normalize_sequencer};
use handlers::entrypoints::StatusApi;
use handlers::store::{JobOutput, now_epoch};
use testkit::Moto;

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
                owner: None,
                input_file: None,
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
    // Alice's 9th upload finished with a poster; her 7th finished before the template had
    // one (an item written by an older job-state); her 5th failed.
    for (job, poster, status) in [
        (
            "1764000000000-job008",
            Some("poster.0000005.jpg"),
            JobStatus::Complete,
        ),
        ("1764000000000-job006", None, JobStatus::Complete),
        ("1764000000000-job004", None, JobStatus::Error),
    ] {
        let ended = StateUpdate {
            status,
            progress: Some(100),
            event_time: Some(1_764_000_100_000),
            complete: (status == JobStatus::Complete).then(|| CompleteDetails {
                duration_ms: Some(4_000),
                width_px: Some(640),
                height_px: Some(360),
                poster: poster.map(str::to_string),
                ..CompleteDetails::default()
            }),
            ..StateUpdate::submitted(job, Some("1764000000000-mc"))
        };
        statuses
            .apply(&ended, None, Some(ALICE), base + 20)
            .await
            .unwrap();
    }

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
    // Finished videos are told apart by poster, length and size; the others keep working
    // without them.
    assert_eq!(
        listed[2],
        serde_json::json!({"jobId": "1764000000000-job008", "inputFile": alices[2],
            "fileName": "v8.mp4", "status": "COMPLETE", "progress": 100,
            "createdAt": "2025-11-24T16:00:08Z", "durationMs": 4000, "widthPx": 640,
            "heightPx": 360,
            "posterUrl": format!("{}/1764000000000-job008/poster.0000005.jpg", common::PLAYBACK_URL)})
    );
    assert!(listed[3].get("posterUrl").is_none(), "{}", listed[3]);
    assert_eq!(listed[3]["durationMs"], 4000);
    for key in ["posterUrl", "durationMs", "widthPx", "heightPx"] {
        assert!(
            listed[4].get(key).is_none(),
            "a failed job has no {key}: {}",
            listed[4]
        );
    }
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
        common::mediaconvert(&[]).1,
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

//! Unit tests of the pure rules, on the seed's events and the documented MediaConvert samples.

use handlers::domain::*;
use std::collections::BTreeMap;

use testkit::fixtures::fixture_text as fixture;

fn event(path: &str) -> JobStateChange {
    JobStateChange::from_json(&fixture(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A job id as create-job makes them (its client request token).
const JOB: &str = "0123456789abcdef0123456789abcdef";

fn update(path: &str) -> StateUpdate {
    event(path)
        .to_update(JOB)
        .unwrap_or_else(|| panic!("{path} should be stored"))
}

// --- events ------------------------------------------------------------------------------

#[test]
fn seed_status_update_is_progressing_at_its_percent() {
    let u = update("seed/status-update.json");
    assert_eq!(u.job_id, JOB);
    assert_eq!(
        u.mediaconvert_job_id.as_deref(),
        Some("123456789012-smb6o7")
    );
    assert_eq!(u.status, JobStatus::Progressing);
    assert_eq!(u.progress, Some(70));
    assert_eq!(u.event_time, None);
}

#[test]
fn seed_complete_gives_duration_size_and_playlist() {
    let u = update("seed/complete.json");
    assert_eq!(u.status, JobStatus::Complete);
    assert_eq!(u.progress, Some(100));
    let c = u.complete.expect("complete details");
    assert_eq!(c.duration_ms, Some(596_458));
    assert_eq!((c.width_px, c.height_px), (Some(1280), Some(720)));
    assert_eq!(
        c.playlists,
        BTreeMap::from([("m3u8".to_string(), "Big Buck Bunny.test.m3u8".to_string())])
    );
}

#[test]
fn seed_error_keeps_code_and_drops_bucket_names() {
    let u = update("seed/error.json");
    assert_eq!(u.status, JobStatus::Error);
    assert_eq!(u.progress, Some(100));
    let e = u.error.expect("error details");
    assert_eq!(e.code, Some(1010));
    let message = e.message.expect("message");
    assert!(!message.contains("s3://"), "{message}");
    assert!(!message.contains("example-bucket"), "{message}");
    assert!(
        message.starts_with("Unable to open input file [Big Buck Bunny.mp4]"),
        "{message}"
    );
}

#[test]
fn documented_events_map_to_their_updates() {
    let stored = [
        (
            "mediaconvert/progressing.json",
            JobStatus::Progressing,
            None,
        ),
        (
            "mediaconvert/status-update.json",
            JobStatus::Progressing,
            Some(31),
        ),
        (
            "mediaconvert/status-update-probing.json",
            JobStatus::Progressing,
            None,
        ),
        ("mediaconvert/complete.json", JobStatus::Complete, Some(100)),
        ("mediaconvert/error.json", JobStatus::Error, Some(100)),
        ("mediaconvert/canceled.json", JobStatus::Canceled, None),
        (
            "mediaconvert/aws-docs/progressing.json",
            JobStatus::Progressing,
            None,
        ),
        (
            "mediaconvert/aws-docs/status-update.json",
            JobStatus::Progressing,
            Some(7),
        ),
        (
            "mediaconvert/aws-docs/complete-hls-group.json",
            JobStatus::Complete,
            Some(100),
        ),
        (
            "mediaconvert/aws-docs/complete-cmaf-group.json",
            JobStatus::Complete,
            Some(100),
        ),
        (
            "mediaconvert/aws-docs/complete-file-group.json",
            JobStatus::Complete,
            Some(100),
        ),
        (
            "mediaconvert/aws-docs/complete-frame-capture.json",
            JobStatus::Complete,
            Some(100),
        ),
        (
            "mediaconvert/complete-with-poster.json",
            JobStatus::Complete,
            Some(100),
        ),
        (
            "mediaconvert/aws-docs/error.json",
            JobStatus::Error,
            Some(100),
        ),
        (
            "mediaconvert/aws-docs/canceled.json",
            JobStatus::Canceled,
            None,
        ),
    ];
    for (path, status, progress) in stored {
        let u = update(path);
        assert_eq!((u.status, u.progress), (status, progress), "{path}");
        assert!(u.event_time.is_some(), "{path} has a timestamp");
    }
}

#[test]
fn informational_statuses_are_not_stored() {
    for path in [
        "mediaconvert/input-information.json",
        "mediaconvert/new-warning.json",
        "mediaconvert/queue-hop.json",
        "mediaconvert/aws-docs/input-information.json",
        "mediaconvert/aws-docs/new-warning.json",
        "mediaconvert/aws-docs/queue-hop.json",
    ] {
        let e = event(path);
        assert!(e.to_update(JOB).is_none(), "{path} must be ignored");
    }
    let warning = event("mediaconvert/aws-docs/new-warning.json");
    assert_eq!(warning.detail.warning_code.as_deref(), Some("000000"));
    let unknown = JobStateChange::from_json(r#"{"detail":{"jobId":"j","status":"SOMETHING_NEW"}}"#)
        .expect("unknown statuses parse");
    assert!(unknown.to_update(JOB).is_none());
}

#[test]
fn full_complete_takes_the_largest_rendition_and_hls_playlists() {
    let c = update("mediaconvert/complete.json").complete.unwrap();
    assert_eq!(c.duration_ms, Some(596_458));
    assert_eq!((c.width_px, c.height_px), (Some(1920), Some(1080)));
    assert_eq!(
        c.playlists,
        BTreeMap::from([("m3u8".to_string(), "Big Buck Bunny.m3u8".to_string())])
    );
    let cmaf = update("mediaconvert/aws-docs/complete-cmaf-group.json")
        .complete
        .unwrap();
    assert_eq!(
        cmaf.playlists,
        BTreeMap::from([
            ("m3u8".to_string(), "1.m3u8".to_string()),
            ("mpd".to_string(), "1.mpd".to_string())
        ])
    );
    let file = update("mediaconvert/aws-docs/complete-file-group.json")
        .complete
        .unwrap();
    assert!(file.playlists.is_empty());
    assert_eq!(
        (file.width_px, file.duration_ms),
        (Some(1920), Some(30_041))
    );
}

#[test]
fn partial_complete_still_completes_with_fields_absent() {
    let text = r#"{"detail":{"jobId":"1-a","status":"COMPLETE","timestamp":5,
        "outputGroupDetails":[{"outputDetails":[{"durationInMs":0,"videoDetails":{"widthInPx":0,"heightInPx":0}}],"type":"HLS_GROUP"}]}}"#;
    let u = JobStateChange::from_json(text)
        .unwrap()
        .to_update(JOB)
        .unwrap();
    assert_eq!(u.status, JobStatus::Complete);
    assert_eq!(u.progress, Some(100));
    assert_eq!(u.complete, Some(CompleteDetails::default()));
    assert_eq!(info_json(u.complete.as_ref().unwrap()), "{}");
    let none = r#"{"detail":{"jobId":"1-a","status":"COMPLETE"}}"#;
    let u = JobStateChange::from_json(none)
        .unwrap()
        .to_update(JOB)
        .unwrap();
    assert_eq!(u.complete, Some(CompleteDetails::default()));
}

#[test]
fn null_or_missing_percent_keeps_progress_unknown() {
    let text = r#"{"detail":{"jobId":"1-a","status":"STATUS_UPDATE","jobProgress":{"jobPercentComplete":null}}}"#;
    let u = JobStateChange::from_json(text)
        .unwrap()
        .to_update(JOB)
        .unwrap();
    assert_eq!((u.status, u.progress), (JobStatus::Progressing, None));
    let no_progress = r#"{"detail":{"jobId":"1-a","status":"STATUS_UPDATE"}}"#;
    let u = JobStateChange::from_json(no_progress)
        .unwrap()
        .to_update(JOB)
        .unwrap();
    assert_eq!(u.progress, None);
    // 100 belongs to the terminal states.
    let full = r#"{"detail":{"jobId":"1-a","status":"STATUS_UPDATE","jobProgress":{"jobPercentComplete":100}}}"#;
    assert_eq!(
        JobStateChange::from_json(full)
            .unwrap()
            .to_update(JOB)
            .unwrap()
            .progress,
        Some(99)
    );
}

#[test]
fn bad_events_are_rejected_naming_the_problem() {
    let cases = [
        ("{not json", "malformed JSON"),
        (r#"{"detail":{"status":"COMPLETE"}}"#, "jobId"),
        (r#"{"detail":{"jobId":"1-a"}}"#, "status"),
        (
            r#"{"detail":{"jobId":"  ","status":"COMPLETE"}}"#,
            "jobId is empty",
        ),
        (r#"{"version":"0"}"#, "detail"),
        (
            r#"{"detail":{"jobId":"1-a","status":"ERROR","errorCode":"x"}}"#,
            "invalid type",
        ),
    ];
    for (text, expected) in cases {
        let err = JobStateChange::from_json(text).expect_err(text);
        assert!(err.to_string().contains(expected), "{text}: {err}");
    }
}

#[test]
fn error_messages_lose_buckets_and_account_ids() {
    let e = update("mediaconvert/error.json").error.unwrap();
    let m = e.message.unwrap();
    assert_eq!(e.code, Some(1030));
    assert!(!m.contains("111122223333"), "{m}");
    assert!(!m.contains("example-input-bucket"), "{m}");
    assert!(m.contains("[uploads/Big Buck Bunny.mp4]"), "{m}");
    assert!(m.contains("arn:aws:iam:::role/MediaConvertRole"), "{m}");
    assert_eq!(
        sanitize_error_message("a s3://b1/x and s3://DOC-EXAMPLE-BUCKET/y/z, s3://c.d-e]"),
        "a x and y/z, ]"
    );
    // Job ids and epoch milliseconds are not account ids.
    assert_eq!(
        sanitize_error_message("job 1763942400123-abc123 at 1763942400123"),
        "job 1763942400123-abc123 at 1763942400123"
    );
    assert_eq!(sanitize_error_message("account 123456789012."), "account .");
}

// --- merge ---------------------------------------------------------------------------------

fn u(status: JobStatus, progress: Option<u8>, time: i64) -> StateUpdate {
    StateUpdate {
        job_id: "j".into(),
        mediaconvert_job_id: Some("1763942400123-abc123".into()),
        status,
        progress,
        event_time: Some(time),
        complete: (status == JobStatus::Complete).then(CompleteDetails::default),
        error: (status == JobStatus::Error).then(ErrorDetails::default),
    }
}

#[test]
fn terminal_state_is_replaced_only_by_a_later_terminal_one() {
    use JobStatus::*;
    let s = fold(&[u(Complete, Some(100), 9), u(Progressing, Some(40), 10)]).unwrap();
    assert_eq!((s.status, s.progress), (Complete, 100));
    // One MediaConvert job ends once; two ends of one job id come from the second
    // MediaConvert job of a retried upload: the later one is kept, in any order.
    let a = fold(&[u(Error, Some(100), 9), u(Complete, Some(100), 10)]).unwrap();
    let b = fold(&[u(Complete, Some(100), 10), u(Error, Some(100), 9)]).unwrap();
    assert_eq!(a, b);
    assert_eq!(
        (a.status, a.error),
        (Complete, None),
        "the error's details go with it"
    );
}

#[test]
fn progress_never_goes_down_and_a_missing_percent_never_replaces_one() {
    use JobStatus::*;
    let s = fold(&[
        u(Progressing, Some(60), 3),
        u(Progressing, Some(20), 2),
        u(Progressing, None, 4),
    ])
    .unwrap();
    assert_eq!(
        (s.status, s.progress, s.last_event_time),
        (Progressing, 60, Some(3)),
        "the state is the greatest update's, time included"
    );
}

#[test]
fn terminal_states_show_100_in_any_order() {
    use JobStatus::*;
    for end in [Canceled, Error, Complete] {
        let a = fold(&[u(Progressing, Some(50), 1), u(end, None, 2)]).unwrap();
        let b = fold(&[u(end, None, 2), u(Progressing, Some(50), 1)]).unwrap();
        assert_eq!(a, b);
        assert_eq!((a.status, a.progress), (end, 100));
    }
}

#[test]
fn submitted_never_overwrites_and_duplicates_change_nothing() {
    use JobStatus::*;
    let p = u(Progressing, Some(10), 1);
    let after = merge(None, &p);
    let submitted = StateUpdate::submitted("j", Some("1763942400123-abc123"));
    assert_eq!(merge(Some(after.clone()), &submitted), after);
    assert_eq!(merge(Some(after.clone()), &p), after);
    let (_, first) = merge(None, &submitted);
    assert_eq!((first.status, first.progress), (Submitted, 0));
}

#[test]
fn shared_timestamps_do_not_decide() {
    use JobStatus::*;
    let a = fold(&[u(Progressing, Some(30), 7), u(Complete, Some(100), 7)]).unwrap();
    let b = fold(&[u(Complete, Some(100), 7), u(Progressing, Some(30), 7)]).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.status, Complete);
}

#[test]
fn the_order_string_sorts_as_the_merge_orders() {
    use JobStatus::*;
    // Increasing in the merge's order; byte order of the strings must agree.
    let mut submitted = StateUpdate::submitted("j", None);
    submitted.event_time = None;
    let updates = [
        submitted,
        u(Progressing, None, 99_999),
        u(Progressing, Some(9), 5),
        u(Progressing, Some(10), 4),
        u(Progressing, Some(10), 1_763_942_400_000),
        u(Progressing, Some(99), 1_763_942_400_001),
        u(Canceled, None, 3),
        u(Complete, Some(100), 3),
        u(Error, Some(100), 3),
        u(Complete, Some(100), 4),
    ];
    for pair in updates.windows(2) {
        assert!(
            pair[0].order() < pair[1].order(),
            "{} < {}",
            pair[0].order(),
            pair[1].order()
        );
    }
    assert_eq!(
        u(Progressing, Some(7), 1_763_942_400_123).order(),
        "2.007.1763942400123.PROGRESSING.1763942400123-abc123"
    );
    // Out-of-range times are clamped, not wrapped into another place in the order.
    assert_eq!(
        u(Progressing, Some(7), -5).order(),
        u(Progressing, Some(7), 0).order()
    );
    assert!(u(Progressing, Some(7), i64::MAX).order() < u(Progressing, Some(8), 0).order());
}

#[test]
fn the_job_id_comes_from_the_user_metadata() {
    let with = |metadata: serde_json::Value| {
        JobStateChange::from_value(serde_json::json!({"detail": {
            "jobId": "1763942400123-abc123", "status": "PROGRESSING", "userMetadata": metadata}}))
        .unwrap()
    };
    assert_eq!(with(serde_json::json!({"job": JOB})).job(), Some(JOB));
    for bad in [
        serde_json::json!({}),
        serde_json::json!({"job": ""}),
        serde_json::json!({"job": "0123456789ABCDEF0123456789ABCDEF"}),
        serde_json::json!({"job": "0123456789abcdef0123456789abcde"}),
        serde_json::json!({"job": "1763942400123-abc123"}),
    ] {
        assert_eq!(with(bad.clone()).job(), None, "{bad}");
    }
    let u = with(serde_json::json!({"job": JOB}))
        .to_update(JOB)
        .unwrap();
    assert_eq!(
        (u.job_id.as_str(), u.mediaconvert_job_id.as_deref()),
        (JOB, Some("1763942400123-abc123"))
    );
}

// --- job creation ---------------------------------------------------------------------------

#[test]
fn s3_keys_are_url_decoded() {
    let record: serde_json::Value =
        serde_json::from_str(&fixture("s3/object-created.json")).unwrap();
    let raw = record["Records"][0]["s3"]["object"]["key"]
        .as_str()
        .unwrap();
    assert_eq!(
        decode_s3_key(raw).unwrap(),
        "uploads/Big Buck Bunny 動画.mp4"
    );
    assert_eq!(decode_s3_key("a%20b+c%2Bd").unwrap(), "a b c+d");
    for bad in ["bad%zz.mp4", "cut%E5%8B.mp4", "end%", "end%4"] {
        let err = decode_s3_key(bad).expect_err(bad);
        assert!(err.contains(bad), "the error names the key: {err}");
    }
}

#[test]
fn sequencers_compare_as_s3_documents() {
    let a = normalize_sequencer("0055AED6DCD90281E5").unwrap();
    let b = normalize_sequencer("0055AED6DCD90281E6").unwrap();
    let longer = normalize_sequencer("0055AED6DCD90281E50001").unwrap();
    assert!(a < b);
    assert!(
        a < longer,
        "right-padding makes the longer one (same prefix) newer"
    );
    assert!(longer < b);
    assert_eq!(a.len(), SEQUENCER_WIDTH);
    assert_eq!(
        normalize_sequencer("00ab").unwrap(),
        normalize_sequencer("00AB").unwrap()
    );
    assert!(normalize_sequencer("").is_err());
    assert!(normalize_sequencer("12G4").unwrap_err().contains("12G4"));
    assert!(normalize_sequencer(&"1".repeat(SEQUENCER_WIDTH + 1)).is_err());
}

#[test]
fn dates_are_utc() {
    assert_eq!(utc_compact(951_868_798), "20000229235958");
    assert_eq!(utc_rfc3339(4_102_444_799), "2099-12-31T23:59:59Z");
    assert_eq!(utc_rfc3339(0), "1970-01-01T00:00:00Z");
}

/// Keys at S3's limit: 1024 bytes, ASCII or mostly 3-byte characters (the cut for the
/// 64-digit sequencer falls inside one).
fn long_keys() -> Vec<String> {
    let ascii = format!(
        "uploads/{}.mp4",
        "a".repeat(MAX_KEY_BYTES - "uploads/.mp4".len())
    );
    let mut kanji = String::from("uploads/x");
    while kanji.len() + "動".len() <= MAX_KEY_BYTES - ".mp4".len() {
        kanji.push('動');
    }
    kanji.push_str(".mp4");
    kanji.insert_str("uploads/".len(), &"b".repeat(MAX_KEY_BYTES - kanji.len()));
    vec![ascii, kanji]
}

#[test]
fn a_jobs_files_are_under_its_id_and_its_key_url_is_the_api() {
    let job = client_request_token("uploads/a/b/movie #1?.mp4", "0055aed6dcd90281e5");
    assert!(is_job_id(&job), "{job}");
    assert_eq!(output_path(&job), format!("hls/{job}/"));
    assert_eq!(key_folder(&job), format!("keys/{job}/"));
    assert_eq!(
        key_url("https://a1.execute-api.us-east-1.amazonaws.com/", &job),
        format!("https://a1.execute-api.us-east-1.amazonaws.com/jobs/{job}/key")
    );
    for key in long_keys() {
        assert_eq!(key.len(), MAX_KEY_BYTES, "the test key is at the limit");
        let key_file = key_file_name(&key);
        assert!(key_file.len() <= MAX_KEY_FILE_NAME_BYTES, "{key_file}");
        assert!(key_file.ends_with(".key"), "{key_file}");
        assert!(
            format!("{}{key_file}", key_folder(&job)).len() <= MAX_KEY_BYTES,
            "the key file's S3 key fits"
        );
    }
}

#[test]
fn key_files_are_named_after_the_input() {
    assert_eq!(
        key_file_name("uploads/Big Buck Bunny.test.mp4"),
        "Big_Buck_Bunny.test.key"
    );
    assert_eq!(key_file_name("video"), "video.key");
    assert_eq!(key_file_name("a/.mp4"), "media.key");
}

#[test]
fn request_tokens_follow_the_object_identity() {
    let t = client_request_token("k.mp4", "00A");
    assert_eq!(t.len(), 32);
    assert!(t.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(t, client_request_token("k.mp4", "00A"));
    assert_ne!(t, client_request_token("k.mp4", "00B"));
    assert_ne!(t, client_request_token("k.mp", "4\u{0}00A"));
}

#[test]
fn user_metadata_names_stack_job_submission_time_and_a_plain_owner_only() {
    let m = user_metadata("vod-dev", JOB, 1_763_942_400_123, Some("owner-1"));
    assert_eq!(m.len(), 4);
    assert_eq!(m["job"], JOB);
    assert_eq!(m["submittedAt"], "1763942400123");
    assert_eq!(m["stack"], "vod-dev");
    assert_eq!(m["owner"], "owner-1");
    // No value carries the upload's key: its file name is whatever the user called the file.
    assert!(!m.contains_key("inputFile"));
    // A `~` owner's `~` is refused by MediaConvert in a value: it stays out.
    let m = user_metadata("vod-dev", JOB, 1, Some("~YXV0aDB8MTIz"));
    assert!(!m.contains_key("owner"), "{m:?}");
    assert_eq!(
        m["ownerOnOutput"], "true",
        "job-state is told where the owner is"
    );
    assert_eq!(user_metadata("vod-dev", JOB, 1, None).len(), 3);
}

#[test]
fn key_hex_round_trips_and_errors_hide_the_value() {
    let key: [u8; 16] = *b"0123456789abcdef";
    let hex = hex_encode(&key);
    assert_eq!(hex.len(), 32);
    assert_eq!(hex_decode_key(&hex).unwrap(), key);
    let bad = "zz".repeat(16);
    let err = hex_decode_key(&bad).unwrap_err();
    assert!(!err.contains(&bad));
    assert!(hex_decode_key("abcd").unwrap_err().contains("4 hex digits"));
}

// --- API ------------------------------------------------------------------------------------

#[test]
fn input_file_validation() {
    assert_eq!(
        validate_input_file(Some("uploads/a.mp4")),
        Ok("uploads/a.mp4")
    );
    let ok = "a".repeat(1024);
    assert!(validate_input_file(Some(&ok)).is_ok());
    let cases = [
        (None, "missing_parameter"),
        (Some(String::new()), "empty"),
        (Some("a".repeat(1025)), "too_long"),
        (Some("a\u{0}b".to_string()), "control_characters"),
        (Some("a\nb".to_string()), "control_characters"),
    ];
    for (value, code) in cases {
        let err = validate_input_file(value.as_deref()).unwrap_err();
        assert_eq!((err.status, err.code), (400, code), "{value:?}");
    }
    assert_eq!(
        validate_job_id("1763942400123-abc123"),
        Ok("1763942400123-abc123")
    );
    assert_eq!(validate_job_id("a b").unwrap_err().code, "bad_job_id");
}

const MAX: u64 = 1 << 30;

fn plan(body: Option<&str>, prefix: &str) -> Result<upload::UploadPlan, ApiError> {
    let suffixes = vec![".mp4".to_string(), ".mov".to_string(), ".MOV".to_string()];
    upload::plan_upload(body, &suffixes, prefix, "alice", "abc", MAX)
}

#[test]
fn upload_plans() {
    let body = r#"{"fileName":"Big Buck Bunny.mp4","contentType":"video/mp4","size":158008374}"#;
    let p = plan(Some(body), "uploads/").unwrap();
    // Ten parts: the key carries the declared size, for the multipart routes to read.
    assert_eq!(p.key, "uploads/alice/abc-158008374/Big Buck Bunny.mp4");
    assert_eq!(p.parts.count, 10);
    assert_eq!(
        plan(Some(body), "in/coming/").unwrap().key,
        "in/coming/alice/abc-158008374/Big Buck Bunny.mp4",
        "the configured prefix"
    );
    assert_eq!((p.content_type.as_str(), p.size), ("video/mp4", 158008374));
    // Absent: the content type follows the suffix (any letter case); the largest size passes.
    let p = plan(
        Some(r#"{"fileName":"clip.MOV","size":1073741824}"#),
        "uploads/",
    )
    .unwrap();
    assert_eq!((p.content_type.as_str(), p.size), ("video/quicktime", MAX));
    let p = plan(
        Some(r#"{"fileName":"a.mp4","contentType":"VIDEO/MP4","size":1}"#),
        "uploads/",
    )
    .unwrap();
    assert_eq!(p.content_type, "video/mp4", "signed in its canonical form");
    assert_eq!(
        p.key, "uploads/alice/abc/a.mp4",
        "a single PUT's key has no size"
    );
    assert!(p.parts.is_single_part());
    // `"`, `#`, `?` and `%` are key characters like any other.
    for name in [r#"a\"b.mp4"#, "a#b.mp4", "a?b.mp4", "100%.mp4", "a%2Fb.mp4"] {
        let body = format!(r#"{{"fileName":"{name}","size":1}}"#);
        let p = plan(Some(&body), "uploads/").unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let decoded: String = serde_json::from_str(&format!("\"{name}\"")).unwrap();
        assert_eq!(p.key, format!("uploads/alice/abc/{decoded}"));
    }
    // 255 bytes is the most: MediaConvert's output names repeat the file name.
    let long_ok = format!(r#"{{"fileName":"{}.mp4","size":1}}"#, "a".repeat(255 - 4));
    assert!(plan(Some(&long_ok), "uploads/").is_ok());
    let long = format!(r#"{{"fileName":"{}.mp4","size":1}}"#, "a".repeat(255 - 3));
    // Multi-byte names count bytes, not characters: 85 three-byte characters + ".mp4".
    let long_unicode = format!(r#"{{"fileName":"{}.mp4","size":1}}"#, "動".repeat(85));
    let bidi: Vec<String> = upload::BIDI_CONTROLS
        .iter()
        .map(|c| format!(r#"{{"fileName":"evil{}4pm.mp4","size":1}}"#, c))
        .collect();
    let mut cases: Vec<(Option<&str>, &str)> = vec![
        (None, "missing_body"),
        (Some("  "), "missing_body"),
        (Some("{"), "malformed_body"),
        (
            Some(r#"{"fileName":"a.mp4","size":1,"extra":1}"#),
            "malformed_body",
        ),
        (Some(r#"{"size":3}"#), "missing_field"),
        (Some(r#"{"fileName":"","size":1}"#), "empty"),
        (Some(&long), "too_long"),
        (Some(&long_unicode), "too_long"),
        (
            Some(r#"{"fileName":"a\u0007.mp4","size":1}"#),
            "control_characters",
        ),
        (
            Some(r#"{"fileName":"a\u0085.mp4","size":1}"#),
            "control_characters",
        ),
        (Some(r#"{"fileName":"a.txt","size":1}"#), "bad_extension"),
        (Some(r#"{"fileName":"a.Mp4","size":1}"#), "bad_extension"),
        (Some(r#"{"fileName":"../a.mp4","size":1}"#), "bad_file_name"),
        (Some(r#"{"fileName":"..","size":1}"#), "bad_file_name"),
        (Some(r#"{"fileName":"a..mp4","size":1}"#), "bad_file_name"),
        (Some(r#"{"fileName":"a\\b.mp4","size":1}"#), "bad_file_name"),
        (Some(r#"{"fileName":"a/b.mp4","size":1}"#), "bad_file_name"),
        (Some(r#"{"fileName":"a.mp4"}"#), "missing_field"),
        (Some(r#"{"fileName":"a.mp4","size":null}"#), "missing_field"),
        (Some(r#"{"fileName":"a.mp4","size":0}"#), "bad_size"),
        (Some(r#"{"fileName":"a.mp4","size":-1}"#), "bad_size"),
        (Some(r#"{"fileName":"a.mp4","size":1.5}"#), "bad_size"),
        (Some(r#"{"fileName":"a.mp4","size":1.0}"#), "bad_size"),
        (Some(r#"{"fileName":"a.mp4","size":"10"}"#), "bad_size"),
        (
            Some(r#"{"fileName":"a.mp4","size":1073741825}"#),
            "bad_size",
        ),
        (Some(r#"{"fileName":"a.mp4","size":1e30}"#), "bad_size"),
        (
            Some(r#"{"fileName":"a.mp4","contentType":"video/quicktime","size":1}"#),
            "bad_content_type",
        ),
        (
            Some(r#"{"fileName":"a.mp4","contentType":"text/html","size":1}"#),
            "bad_content_type",
        ),
        (
            Some(r#"{"fileName":"a.mp4","contentType":"video/mp4; codecs=x","size":1}"#),
            "bad_content_type",
        ),
    ];
    cases.extend(bidi.iter().map(|b| (Some(b.as_str()), "bidi_characters")));
    for (body, code) in cases {
        let err = plan(body, "uploads/").unwrap_err();
        assert_eq!(
            (err.status, err.code),
            (400, code),
            "{body:?}: {}",
            err.message
        );
        if code.contains("size") {
            assert!(err.message.contains("size"), "{body:?}: {}", err.message);
        }
        let json: serde_json::Value = serde_json::from_str(&err.body()).unwrap();
        assert_eq!(json["error"]["code"], code);
        assert!(
            json["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
}

#[test]
fn upload_keys_name_their_owner_and_odd_names_round_trip_through_s3_events() {
    assert_eq!(
        upload::owner_of_key("uploads/alice/abc/a.mp4"),
        Some("alice")
    );
    assert_eq!(
        upload::owner_of_key("in/coming/~Ym9i/abc/a#b?.mp4"),
        Some("~Ym9i")
    );
    for not_ours in [
        "uploads/a.mp4",
        "a.mp4",
        "uploads/x y/abc/a.mp4",
        "/abc/a.mp4",
    ] {
        assert_eq!(upload::owner_of_key(not_ours), None, "{not_ours}");
    }
    // S3 sends event keys form-encoded; every character a name may hold comes back.
    for name in [
        r#"a"b.mp4"#,
        "a#b.mp4",
        "a?b.mp4",
        "100%.mp4",
        "a+b c.mp4",
        "動画.mp4",
    ] {
        let key = format!("uploads/alice/abc/{name}");
        let encoded: String = key
            .bytes()
            .map(|b| match b {
                b' ' => "+".to_string(),
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        assert_eq!(decode_s3_key(&encoded).as_deref(), Ok(key.as_str()));
        // No path holds them (paths are named by the job id), and the key file's name holds
        // none of them either.
        let key_file = key_file_name(&key);
        assert!(
            key_file
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)),
            "{key_file}"
        );
    }
}

#[test]
fn owner_segments_are_plain_subs_or_their_base64() {
    use handlers::http::owner_segment;
    let uuid = "0d5b3e9a-70a1-4c1e-9d5e-4f1a2b3c4d5e";
    assert_eq!(owner_segment(uuid), uuid);
    assert_eq!(owner_segment(&"a".repeat(128)), "a".repeat(128));
    assert_eq!(owner_segment("bob@example.com"), "~Ym9iQGV4YW1wbGUuY29t");
    assert_eq!(owner_segment("a/b"), "~YS9i");
    assert!(owner_segment(&"a".repeat(129)).starts_with('~'));
    // Every segment is a valid owner of a key, and never holds a '/'.
    for sub in [uuid, "bob@example.com", "a/b", "~x", "動", "??>>"] {
        let segment = owner_segment(sub);
        assert!(!segment.contains('/'), "{segment}");
        let key = format!("uploads/{segment}/abc/a.mp4");
        assert_eq!(upload::owner_of_key(&key), Some(segment.as_str()), "{sub}");
    }
}

#[test]
fn queries_decode_strictly() {
    use handlers::http::parse_query;
    let q = parse_query("inputFile=uploads%2Fa+b%22c.mp4&limit=5&&x").unwrap();
    assert_eq!(q["inputFile"], "uploads/a b\"c.mp4");
    assert_eq!(q["limit"], "5");
    assert_eq!(q["x"], "");
    // Raw bytes as a client may send them: API Gateway forwards them unchanged.
    assert_eq!(
        parse_query("inputFile=a\"b<c> d").unwrap()["inputFile"],
        "a\"b<c> d"
    );
    for (raw, code, names) in [
        ("inputFile=%zz", "bad_query", "inputFile"),
        ("inputFile=%4", "bad_query", "inputFile"),
        ("inputFile=%C3%28", "bad_query", "inputFile"),
        ("inputFile=%FF", "bad_query", "inputFile"),
        ("in%zzput=1", "bad_query", "in%zzput"),
        ("a=1&a=2", "repeated_parameter", "a"),
        ("a=1&%61=2", "repeated_parameter", "a"),
    ] {
        let err = parse_query(raw).unwrap_err();
        assert_eq!((err.status, err.code), (400, code), "{raw}");
        assert!(err.message.contains(names), "{raw}: {}", err.message);
    }
}

#[test]
fn quota_days_are_utc_and_listing_cursors_are_checked() {
    // 2025-11-24T23:59:59Z and the second after it.
    let last = 1_764_028_799;
    assert_eq!(upload::quota_key("alice", last), "alice#2025-11-24");
    assert_eq!(upload::quota_key("alice", last + 1), "alice#2025-11-25");
    assert_eq!(upload::seconds_to_next_day(last), 1);
    assert_eq!(upload::seconds_to_next_day(last + 1), 86_400);
    assert_eq!(upload::quota_expiry(last), last + 1 + 86_400);

    assert_eq!(listing::parse_limit(None), Ok(20));
    assert_eq!(listing::parse_limit(Some("50")), Ok(50));
    for bad in ["0", "51", "-1", "+5", "5.0", "", "abc"] {
        assert_eq!(
            listing::parse_limit(Some(bad)).unwrap_err().code,
            "bad_limit"
        );
    }
    let cursor = listing::Cursor {
        owner: "alice".into(),
        creation_time: 1_764_028_799,
        input_file: "uploads/alice/abc/a\"b.mp4".into(),
    };
    let raw = listing::encode_cursor(&cursor);
    assert!(
        raw.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    assert_eq!(listing::decode_cursor(&raw, "alice"), Ok(cursor));
    for (bad, owner) in [
        (raw.as_str(), "bob"),
        ("%%%", "alice"),
        ("e30", "alice"),
        ("", "alice"),
    ] {
        let err = listing::decode_cursor(bad, owner).unwrap_err();
        assert_eq!((err.status, err.code), (400, "bad_cursor"), "{bad}");
    }
}

#[test]
fn answers_are_camel_case_and_per_state() {
    let complete = JobState {
        status: JobStatus::Complete,
        progress: 100,
        last_event_time: Some(5),
        complete: Some(CompleteDetails {
            duration_ms: Some(1000),
            width_px: Some(1280),
            height_px: Some(720),
            playlists: BTreeMap::from([("m3u8".into(), "a.m3u8".into())]),
            poster: None,
        }),
        error: None,
    };
    let playback = "https://d1.cloudfront.net/";
    let v = serde_json::to_value(JobView::new(
        "j-1",
        &complete,
        Some("hls/j-1/".into()),
        playback,
    ))
    .unwrap();
    assert_eq!(
        v,
        serde_json::json!({"jobId":"j-1","status":"COMPLETE","progress":100,"lastEventTime":5,
            "durationMs":1000,"widthPx":1280,"heightPx":720,"outputPath":"hls/j-1/",
            "playlists":{"m3u8":"a.m3u8"},
            "playbackUrl":"https://d1.cloudfront.net/j-1/index.m3u8"})
    );
    let error = JobState {
        status: JobStatus::Error,
        progress: 100,
        last_event_time: None,
        complete: None,
        error: Some(ErrorDetails {
            code: Some(1010),
            message: Some("bad".into()),
        }),
    };
    let v = serde_json::to_value(JobView::new("j-2", &error, None, playback)).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"jobId":"j-2","status":"ERROR","progress":100,"errorCode":1010,
            "errorMessage":"bad",
            "errorReason":"The file could not be read: it may be damaged or not a video.",
            "retryable":false})
    );
    // A code the User Guide's table does not explain: the sanitized message is all there is.
    let unknown = JobState {
        error: Some(ErrorDetails {
            code: Some(1060),
            message: Some("clip".into()),
        }),
        ..error.clone()
    };
    let v = serde_json::to_value(JobView::new("j-3", &unknown, None, playback)).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"jobId":"j-3","status":"ERROR","progress":100,"errorCode":1060,"errorMessage":"clip"})
    );
    let info: serde_json::Value =
        serde_json::from_str(&info_json(complete.complete.as_ref().unwrap())).unwrap();
    assert_eq!(
        info,
        serde_json::json!({"duration_ms":1000,"width_px":1280,"height_px":720,"playlists":{"m3u8":"a.m3u8"}})
    );
}

#[test]
fn debug_output_of_a_job_output_hides_the_key() {
    let output = handlers::store::JobOutput {
        output_path: "out/".into(),
        key_file: "a.key".into(),
        key_value: "00112233445566778899aabbccddeeff".into(),
        owner: Some("owner-1".into()),
        input_file: None,
    };
    let text = format!("{output:?}");
    assert!(!text.contains("00112233445566778899aabbccddeeff"), "{text}");
    assert!(text.contains("out/") && text.contains("a.key"), "{text}");
}

#[test]
fn presigned_headers_to_send_are_the_signed_ones_without_host() {
    use handlers::adapters::signed_headers_to_send;
    let url = "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256\
               &X-Amz-SignedHeaders=content-type%3Bhost%3Bx-amz-meta-a&X-Amz-Signature=ab";
    let present = [
        ("Content-Type", "video/mp4"),
        ("host", "b.s3.amazonaws.com"),
        (
            "x-amzn-trace-id",
            "Root=1-00000000-000000000000000000000001",
        ),
        ("x-amz-meta-a", "1"),
    ];
    let sent = signed_headers_to_send(url, present.into_iter()).unwrap();
    assert_eq!(
        sent.into_iter().collect::<Vec<_>>(),
        [
            ("content-type".to_string(), "video/mp4".to_string()),
            ("x-amz-meta-a".to_string(), "1".to_string()),
        ]
    );
    let unsigned = "https://b.s3.amazonaws.com/k?X-Amz-Signature=ab";
    assert!(signed_headers_to_send(unsigned, present.into_iter()).is_err());
}

#[test]
fn a_terminal_status_stands_for_100() {
    assert_eq!(JobStatus::Complete.progress_of(Some(31)), 100);
    assert_eq!(JobStatus::Error.progress_of(None), 100);
    assert_eq!(JobStatus::Canceled.progress_of(Some(31)), 100);
    assert_eq!(JobStatus::Progressing.progress_of(Some(31)), 31);
    assert_eq!(JobStatus::Progressing.progress_of(None), 0);
    assert_eq!(JobStatus::Submitted.progress_of(Some(0)), 0);
}

#[test]
fn the_poster_is_the_frame_captures_final_image_named_by_complete() {
    let poster = |path: &str| update(path).complete.expect("COMPLETE details").poster;
    // The User Guide's frame capture sample names the last of 36 stills.
    assert_eq!(
        poster("mediaconvert/aws-docs/complete-frame-capture.json").as_deref(),
        Some("file.0000036.jpg")
    );
    // This stack's COMPLETE: the HLS group keeps giving duration, size and playlists.
    let u = update("mediaconvert/complete-with-poster.json");
    let c = u.complete.unwrap();
    assert_eq!(c.poster.as_deref(), Some("poster.0000005.jpg"));
    assert_eq!((c.width_px, c.height_px), (Some(1920), Some(1080)));
    assert_eq!(
        c.playlists.get("m3u8").map(String::as_str),
        Some("Big Buck Bunny.m3u8")
    );
    // No frame capture, no poster: an .mp4 file output or an HLS group is not one.
    for path in [
        "mediaconvert/complete.json",
        "mediaconvert/aws-docs/complete-file-group.json",
        "mediaconvert/aws-docs/complete-hls-group.json",
    ] {
        assert_eq!(poster(path), None, "{path}");
    }
}

#[test]
fn a_poster_name_that_is_not_a_plain_jpeg_file_name_is_not_kept() {
    let with_file = |name: &str| {
        let mut event = testkit::fixtures::fixture("mediaconvert/complete-with-poster.json");
        event["detail"]["outputGroupDetails"][1]["outputDetails"][0]["outputFilePaths"] =
            serde_json::json!([format!("s3://out/hls/j/{name}")]);
        JobStateChange::from_value(event)
            .unwrap()
            .to_update("j")
            .unwrap()
            .complete
            .unwrap()
            .poster
    };
    assert_eq!(
        with_file("poster.0000001.jpg").as_deref(),
        Some("poster.0000001.jpg")
    );
    // Each would be URL syntax, a folder or not a JPEG on the distribution.
    for bad in [
        "a b.jpg",
        "a?.jpg",
        "a%2F.jpg",
        "a#.jpg",
        ".jpg",
        "..jpg",
        "poster.png",
        "",
    ] {
        assert_eq!(with_file(bad), None, "{bad:?}");
    }
}

#[test]
fn complete_answers_carry_the_posters_url_beside_the_playlists() {
    let state = |status, poster: Option<&str>| JobState {
        status,
        progress: 100,
        last_event_time: None,
        complete: Some(CompleteDetails {
            poster: poster.map(str::to_string),
            ..CompleteDetails::default()
        }),
        error: None,
    };
    let playback = "https://d1.cloudfront.net";
    let view = |s: &JobState| serde_json::to_value(JobView::new("j-1", s, None, playback)).unwrap();
    let v = view(&state(JobStatus::Complete, Some("poster.0000003.jpg")));
    assert_eq!(
        v["posterUrl"],
        "https://d1.cloudfront.net/j-1/poster.0000003.jpg"
    );
    assert_eq!(v["playbackUrl"], "https://d1.cloudfront.net/j-1/index.m3u8");
    // A job made before the template had a poster, and anything not COMPLETE: none.
    assert!(
        view(&state(JobStatus::Complete, None))
            .get("posterUrl")
            .is_none()
    );
    assert!(
        view(&state(JobStatus::Canceled, Some("p.jpg")))
            .get("posterUrl")
            .is_none()
    );
    let info: serde_json::Value = serde_json::from_str(&info_json(&CompleteDetails {
        poster: Some("poster.0000003.jpg".into()),
        ..CompleteDetails::default()
    }))
    .unwrap();
    assert_eq!(info, serde_json::json!({"poster": "poster.0000003.jpg"}));
}

// ---------------------------------------------------------------------------------------
// Multipart uploads
// ---------------------------------------------------------------------------------------

mod multipart_plan {
    use handlers::domain::multipart::*;

    const MIB: u64 = 1024 * 1024;
    const GIB: u64 = 1024 * MIB;

    fn stored(plan: &PartPlan) -> Vec<StoredPart> {
        (1..=plan.count)
            .map(|n| StoredPart {
                number: n,
                size: plan.part_length(n).unwrap(),
                etag: format!("\"etag-{n}\""),
            })
            .collect()
    }

    #[test]
    fn parts_are_16_mib_and_grow_only_past_10000_parts() {
        let small = PartPlan::for_size(PART_BYTES).unwrap();
        assert!(small.is_single_part());
        let two = PartPlan::for_size(PART_BYTES + 1).unwrap();
        assert_eq!((two.count, two.part_length(2)), (2, Some(1)));
        let gib = PartPlan::for_size(GIB).unwrap();
        assert_eq!((gib.part_bytes, gib.count), (16 * MIB, 64));
        let at_limit = PartPlan::for_size(PART_BYTES * S3_MAX_PARTS).unwrap();
        assert_eq!((at_limit.part_bytes, at_limit.count), (PART_BYTES, 10_000));
        let past = PartPlan::for_size(PART_BYTES * S3_MAX_PARTS + 1).unwrap();
        assert_eq!(past.part_bytes, 17 * MIB);
        assert!(past.count <= 10_000);
        // S3's largest object, 5 TiB (5 MiB more than 5 TiB / 10,000 rounded to whole MiB).
        let biggest = PartPlan::for_size(5 * 1024 * GIB).unwrap();
        assert!(biggest.count <= 10_000 && biggest.part_bytes <= S3_MAX_PART_BYTES);
        assert!(u64::from(biggest.count) * biggest.part_bytes >= biggest.size);
    }

    #[test]
    fn part_lengths_add_up_to_the_size_and_only_the_last_is_short() {
        for size in [PART_BYTES + 1, 3 * PART_BYTES, GIB + 12_345, 200 * GIB + 7] {
            let plan = PartPlan::for_size(size).unwrap();
            let lengths: Vec<u64> = (1..=plan.count)
                .map(|n| plan.part_length(n).unwrap())
                .collect();
            assert_eq!(lengths.iter().sum::<u64>(), size, "size {size}");
            let (last, rest) = lengths.split_last().unwrap();
            assert!(rest.iter().all(|&l| l == plan.part_bytes));
            assert!(*last >= 1 && *last <= plan.part_bytes);
            assert!(rest.iter().all(|&l| l >= S3_MIN_PART_BYTES));
            assert_eq!(plan.part_length(0), None);
            assert_eq!(plan.part_length(plan.count + 1), None);
        }
    }

    #[test]
    fn an_empty_file_has_no_plan() {
        let e = PartPlan::for_size(0).unwrap_err();
        assert_eq!((e.status, e.code), (400, "bad_size"));
    }

    #[test]
    fn requested_part_numbers_must_be_in_range_once_each() {
        let plan = PartPlan::for_size(3 * PART_BYTES + 5).unwrap();
        assert_eq!(
            plan.check_requested(&[4, 1]).unwrap(),
            vec![(4, 5), (1, PART_BYTES)]
        );
        let code = |numbers: &[u32]| plan.check_requested(numbers).unwrap_err().code;
        assert_eq!(code(&[]), "missing_parts");
        assert_eq!(code(&[0]), "bad_part_number");
        assert_eq!(code(&[5]), "bad_part_number");
        assert_eq!(code(&[2, 3, 2]), "repeated_part_number");
        let big = PartPlan::for_size(GIB * 4).unwrap();
        let many: Vec<u32> = (1..=MAX_PARTS_PER_REQUEST as u32 + 1).collect();
        assert_eq!(
            big.check_requested(&many).unwrap_err().code,
            "too_many_parts"
        );
        let e = plan.check_requested(&[9]).unwrap_err();
        assert!(
            e.message.contains("part 9") && e.message.contains("1 to 4"),
            "{}",
            e.message
        );
    }

    #[test]
    fn complete_needs_every_part_at_its_planned_length() {
        let plan = PartPlan::for_size(3 * PART_BYTES + 5).unwrap();
        let mut parts = stored(&plan);
        parts.reverse();
        let ordered: Vec<u32> = plan
            .check_complete(&parts)
            .unwrap()
            .iter()
            .map(|p| p.number)
            .collect();
        assert_eq!(ordered, vec![1, 2, 3, 4]);

        let missing: Vec<StoredPart> = stored(&plan)
            .into_iter()
            .filter(|p| p.number != 3)
            .collect();
        let e = plan.check_complete(&missing).unwrap_err();
        assert_eq!((e.status, e.code), (409, "parts_missing"));
        assert!(
            e.message.contains("1 of 4") && e.message.ends_with(": 3"),
            "{}",
            e.message
        );

        let mut short = stored(&plan);
        short[1].size -= 1;
        let e = plan.check_complete(&short).unwrap_err();
        assert_eq!((e.status, e.code), (409, "part_size_mismatch"));

        let mut extra = stored(&plan);
        extra.push(StoredPart {
            number: 5,
            size: 1,
            etag: "x".into(),
        });
        assert_eq!(
            plan.check_complete(&extra).unwrap_err().code,
            "unplanned_part"
        );

        let none = plan.check_complete(&[]).unwrap_err();
        assert!(none.message.starts_with("4 of 4"), "{}", none.message);
    }

    #[test]
    fn many_missing_parts_are_listed_ten_at_most() {
        let plan = PartPlan::for_size(GIB).unwrap();
        let e = plan.check_complete(&[]).unwrap_err();
        assert!(
            e.message.ends_with("1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ..."),
            "{}",
            e.message
        );
    }

    #[test]
    fn the_key_carries_the_declared_size() {
        let key = format!("uploads/owner/{}/clip.mp4", key_segment("0a1b", 1234));
        assert_eq!(declared_size_of_key(&key), Some(1234));
        for key in [
            "uploads/owner/0a1b/clip.mp4",
            "uploads/owner/0a1b-/clip.mp4",
            "uploads/owner/-12/clip.mp4",
            "uploads/owner/zz-12/clip.mp4",
            "uploads/owner/0a1b-0/clip.mp4",
            "uploads/owner/0a1b-1e3/clip.mp4",
            "0a1b-12/clip.mp4",
        ] {
            assert_eq!(declared_size_of_key(key), None, "{key}");
        }
    }

    #[test]
    fn an_upload_is_named_by_its_owner_only() {
        let key = format!(
            "uploads/me/{}/clip.mp4",
            key_segment("0a1b", 3 * PART_BYTES)
        );
        let body = |input: &str, id: &str, parts: &str| {
            format!(r#"{{"inputFile":{input:?},"uploadId":{id:?},"partNumbers":{parts}}}"#)
        };
        let (upload, plan, numbers) =
            parse_parts_body(Some(&body(&key, "abc.DEF-1", "[2,3]")), "uploads/me/").unwrap();
        assert_eq!(
            (upload.key.as_str(), plan.count, numbers),
            (key.as_str(), 3, vec![2, 3])
        );
        let code = |b: Option<&str>| parse_parts_body(b, "uploads/me/").unwrap_err();
        let foreign = parse_parts_body(Some(&body(&key, "abc", "[1]")), "uploads/you/");
        assert_eq!(foreign.unwrap_err().code, "no_such_upload");
        assert_eq!(code(None).code, "missing_body");
        assert_eq!(code(Some("[]")).code, "malformed_body");
        assert_eq!(code(Some(&body(&key, "", "[1]"))).code, "empty");
        assert_eq!(code(Some(&body(&key, "a b", "[1]"))).code, "bad_upload_id");
        assert_eq!(
            code(Some(&body(&key, "abc", "[-1]"))).code,
            "bad_part_number"
        );
        assert_eq!(
            code(Some(&body(&key, "abc", "[1.5]"))).code,
            "bad_part_number"
        );
        let single = "uploads/me/0a1b/clip.mp4";
        let e = code(Some(&body(single, "abc", "[1]")));
        assert_eq!((e.status, e.code), (404, "no_such_upload"));
    }

    #[test]
    fn held_parts_leave_out_those_of_another_length() {
        let plan = PartPlan::for_size(2 * PART_BYTES + 1).unwrap();
        let upload = UploadRef {
            key: "k".into(),
            upload_id: "u".into(),
        };
        let mut parts = stored(&plan);
        parts[0].size = 5;
        let view = HeldPartsView::new(&upload, &plan, &parts);
        let numbers: Vec<u32> = view.parts.iter().map(|p| p.part_number).collect();
        assert_eq!(numbers, vec![2, 3]);
        assert_eq!(view.part_count, 3);
    }
}

//! The loopback MediaConvert end to end: real ffmpeg, real moto, CreateJob exactly as
//! create-job's adapter sends it, with the stack's job template.
//!
//! The static key is checked for absence in messages; no assertion prints it.

mod support;

use aws_sdk_mediaconvert::config::Credentials;
use handlers::adapters::{JobRequest, Transcoder};
use mediaconvert_local::Server;
use mediaconvert_local::frame_capture::FrameCapture;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};
use support::{TEMPLATE, ffmpeg};
use testkit::aws::mediaconvert;
use tokio::sync::mpsc;

const INPUT_BUCKET: &str = "vod-local-input-bucket";
const OUTPUT_BUCKET: &str = "vod-local-output-bucket";
const KEY_URL: &str = "https://api.example.test/jobs/j-1/key";

fn credentials() -> Credentials {
    Credentials::new(
        testkit::ACCESS_KEY_ID,
        testkit::SECRET_ACCESS_KEY,
        None,
        None,
        "test",
    )
}

fn s3(endpoint: &str) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new(testkit::REGION))
            .credentials_provider(credentials())
            .endpoint_url(endpoint)
            .force_path_style(true)
            .build(),
    )
}

struct Stack {
    _moto: testkit::Moto,
    s3: aws_sdk_s3::Client,
    server: Server,
    events: mpsc::UnboundedReceiver<Value>,
    transcoder: Transcoder,
    key_hex: String,
}

async fn stack(token_window: Duration) -> Stack {
    let moto = testkit::Moto::start();
    let s3 = s3(&moto.endpoint());
    for bucket in [INPUT_BUCKET, OUTPUT_BUCKET] {
        s3.create_bucket()
            .bucket(bucket)
            .send()
            .await
            .expect("create bucket");
    }
    // SECONDS_10 becomes 20 ms: ffmpeg takes a few hundred on the 2-second clip, so
    // several updates arrive even on an idle machine.
    let (server, events) = support::start(s3.clone(), 0.002, token_window).await;
    let key_hex = hex::encode(handlers::adapters::random_key().expect("a key"));
    let transcoder = Transcoder::new(mediaconvert(&server.endpoint()));
    Stack {
        _moto: moto,
        s3,
        server,
        events,
        transcoder,
        key_hex,
    }
}

fn request<'a>(
    key_hex: &'a str,
    input_key: &'a str,
    output_path: &'a str,
    token: &'a str,
) -> JobRequest<'a> {
    JobRequest {
        input_bucket: INPUT_BUCKET,
        input_key,
        output_bucket: OUTPUT_BUCKET,
        output_path,
        key_hex,
        key_url: KEY_URL,
        job_template: TEMPLATE,
        role_arn: "arn:aws:iam::123456789012:role/vod-test-mediaconvert",
        status_update_interval_seconds: 10,
        user_metadata: BTreeMap::from([("stack".to_string(), "vod-test".to_string())]),
        client_request_token: token,
    }
}

/// Events of `job` until its COMPLETE or ERROR.
async fn events_until_done(events: &mut mpsc::UnboundedReceiver<Value>, job: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("the job ends within 60 s")
            .expect("the sink stays open");
        if event["detail"]["jobId"] != job {
            continue;
        }
        let status = event["detail"]["status"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        seen.push(event);
        if status == "COMPLETE" || status == "ERROR" {
            return seen;
        }
    }
}

async fn object(s3: &aws_sdk_s3::Client, key: &str) -> Vec<u8> {
    s3.get_object()
        .bucket(OUTPUT_BUCKET)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("s3://{OUTPUT_BUCKET}/{key}: {e}"))
        .body
        .collect()
        .await
        .expect("body")
        .into_bytes()
        .to_vec()
}

/// Puts a generated `size` clip at `input_key` in the input bucket.
async fn upload_clip(stack: &Stack, input_key: &str, size: &str, dir: &Path) {
    stack
        .s3
        .put_object()
        .bucket(INPUT_BUCKET)
        .key(input_key)
        .body({
            let (w, h) = size.split_once('x').expect("WxH");
            let (w, h) = (w.parse().expect("a width"), h.parse().expect("a height"));
            testkit::test_clip(&ffmpeg(), dir, w, h, 2).into()
        })
        .send()
        .await
        .expect("upload the clip");
}

/// The first segment of a child playlist, decrypted with the playlist's IV: the playlist's
/// when it gives one, else the segment's media sequence number.
async fn first_segment(stack: &Stack, prefix: &str, child: &str) -> Vec<u8> {
    let first = child
        .lines()
        .find(|l| l.ends_with(".ts"))
        .expect("a segment");
    let segment = object(&stack.s3, &format!("{prefix}{first}")).await;
    let key = hex::decode(&stack.key_hex).expect("a hex key");
    testkit::decrypt_aes128_cbc(&segment, &key, testkit::first_segment_iv(child))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_from_the_stack_template_becomes_encrypted_hls_with_its_events() {
    let mut stack = stack(mediaconvert_local::TOKEN_WINDOW).await;
    let scratch = tempfile::tempdir().unwrap();
    let input_key = "uploads/owner-1/u-1/clip.mp4";
    upload_clip(&stack, input_key, "640x360", scratch.path()).await;

    let started = Instant::now();
    let key_hex = stack.key_hex.clone();
    let job = request(
        &key_hex,
        input_key,
        "jobs/j-1/",
        "token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    );
    let id = stack.transcoder.create_job(&job).await.expect("CreateJob");
    // The same token within the minute: the same job, and no second run.
    let again = stack
        .transcoder
        .create_job(&job)
        .await
        .expect("CreateJob again");
    assert_eq!(again, id);
    assert_eq!(stack.server.job_count(), 1);

    let events = events_until_done(&mut stack.events, &id).await;
    let elapsed = started.elapsed();
    assert_progressing_updates_then_complete(&events);
    assert_shaped_like_the_services_events(&events, &id, &stack.key_hex);
    assert_one_360p_rendition_in_complete(&events);
    assert_get_job_complete_without_the_key(&stack, &id).await;
    let sizes = output_sizes(&stack, "jobs/j-1/").await;
    eprintln!("transcoded in {elapsed:?}; output sizes: {sizes:?}");
    assert_360p_hls_decrypts_to_640x360(&stack, &sizes, scratch.path()).await;
    assert_the_poster_is_a_640x360_jpeg_named_in_complete(&stack, &events, &sizes, scratch.path())
        .await;
}

/// The template's frame capture: the 2 s clip's first frame (one every 2 s), a JPEG at the
/// input's size, `poster.0000001.jpg` beside the HLS files, and COMPLETE's FILE group names
/// it as the final captured image.
async fn assert_the_poster_is_a_640x360_jpeg_named_in_complete(
    stack: &Stack,
    events: &[Value],
    sizes: &BTreeMap<String, i64>,
    scratch: &Path,
) {
    let stills: Vec<&String> = sizes.keys().filter(|k| k.ends_with(".jpg")).collect();
    assert_eq!(stills, ["jobs/j-1/poster.0000001.jpg"], "{sizes:?}");
    let groups = events.last().unwrap()["detail"]["outputGroupDetails"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(groups.len(), 2, "{groups:?}");
    let file = &groups[1];
    assert_eq!(file["type"], "FILE_GROUP");
    assert!(file.get("playlistFilePaths").is_none(), "{file}");
    let output = &file["outputDetails"][0];
    assert_eq!(
        output["outputFilePaths"],
        json!([format!("s3://{OUTPUT_BUCKET}/jobs/j-1/poster.0000001.jpg")])
    );
    assert_eq!(
        (
            &output["videoDetails"]["widthInPx"],
            &output["videoDetails"]["heightInPx"]
        ),
        (&json!(640), &json!(360))
    );
    let head = stack
        .s3
        .head_object()
        .bucket(OUTPUT_BUCKET)
        .key("jobs/j-1/poster.0000001.jpg")
        .send()
        .await
        .expect("the poster");
    assert_eq!(head.content_type(), Some("image/jpeg"));
    let jpeg = object(&stack.s3, "jobs/j-1/poster.0000001.jpg").await;
    assert_eq!(testkit::jpeg_size(&ffmpeg(), &jpeg, scratch), (640, 360));
}

/// The frame capture's own ffmpeg run: the first frame, then one every
/// denominator/numerator seconds, at most maxCaptures, numbered from 1 with 7 digits.
#[test]
fn a_frame_capture_takes_the_first_frame_then_one_every_interval_up_to_max_captures() {
    let scratch = tempfile::tempdir().unwrap();
    let clip = scratch.path().join("clip.mp4");
    std::fs::write(
        &clip,
        testkit::test_clip(&ffmpeg(), scratch.path(), 320, 240, 5),
    )
    .unwrap();
    let capture = |max_captures: u32| FrameCapture {
        destination: mediaconvert_local::plan::S3Location::parse("s3://out/p/poster").unwrap(),
        name_modifier: "_still".into(),
        numerator: 1,
        denominator: 2,
        max_captures,
        quality: 80,
    };
    for (max, expected) in [(5, 3), (2, 2)] {
        let out = tempfile::tempdir().unwrap();
        let status = std::process::Command::new(ffmpeg())
            .args(capture(max).ffmpeg_args(&clip, out.path(), "poster", false))
            .status()
            .expect("run ffmpeg");
        assert!(status.success());
        let mut names: Vec<String> = std::fs::read_dir(out.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        let wanted: Vec<String> = (1..=expected)
            .map(|n| capture(max).file_name("poster", n))
            .collect();
        // 5 s at one every 2 s: 0, 2 and 4 s; a cap of 2 stops after 2 s.
        assert_eq!(names, wanted, "maxCaptures {max}");
        let last = std::fs::read(out.path().join(wanted.last().unwrap())).unwrap();
        assert_eq!(testkit::jpeg_size(&ffmpeg(), &last, out.path()), (320, 240));
    }
}

/// PROGRESSING, at least one STATUS_UPDATE, then COMPLETE; the percentage never goes down.
fn assert_progressing_updates_then_complete(events: &[Value]) {
    let statuses: Vec<&str> = events
        .iter()
        .map(|e| e["detail"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.first(), Some(&"PROGRESSING"), "{statuses:?}");
    assert_eq!(
        statuses.last(),
        Some(&"COMPLETE"),
        "{statuses:?} {:?}",
        events.last().unwrap()["detail"]["errorMessage"]
    );
    assert!(
        statuses[1..statuses.len() - 1]
            .iter()
            .all(|s| *s == "STATUS_UPDATE"),
        "{statuses:?}"
    );
    assert!(
        statuses.len() >= 3,
        "no STATUS_UPDATE at a 20 ms interval: {statuses:?}"
    );
    let percents: Vec<u64> = events
        .iter()
        .filter_map(|e| e["detail"]["jobProgress"]["jobPercentComplete"].as_u64())
        .collect();
    assert!(
        percents.windows(2).all(|w| w[0] <= w[1]),
        "progress went down: {percents:?}"
    );
}

/// Every event has the envelope and the job's identity, shaped like the service's, and none
/// carries the key.
fn assert_shaped_like_the_services_events(events: &[Value], id: &str, key_hex: &str) {
    let fixture: Value = serde_json::from_str(include_str!("fixtures/complete.json")).unwrap();
    for event in events {
        for member in ["version", "detail-type", "source"] {
            assert_eq!(event[member], fixture[member], "{member}");
        }
        for member in ["id", "account", "time", "region", "resources"] {
            assert!(!event[member].is_null(), "event without {member}");
        }
        let detail = &event["detail"];
        assert_eq!(detail["jobId"], id);
        assert_eq!(detail["userMetadata"]["stack"], "vod-test");
        assert!(detail["timestamp"].is_i64() && detail["accountId"].is_string());
        assert!(
            detail["queue"]
                .as_str()
                .unwrap()
                .ends_with(":queues/Default")
        );
        assert!(
            !event.to_string().contains(key_hex),
            "an event carries the key"
        );
    }
    // Each status carries the members the service's event of that status has (warnings and
    // counters aside, which depend on the content).
    let fixtures: [(&str, &str); 3] = [
        ("PROGRESSING", include_str!("fixtures/progressing.json")),
        ("STATUS_UPDATE", include_str!("fixtures/status-update.json")),
        ("COMPLETE", include_str!("fixtures/complete.json")),
    ];
    for (status, text) in fixtures {
        let fixture: Value = serde_json::from_str(text).unwrap();
        let event = events
            .iter()
            .find(|e| e["detail"]["status"] == status)
            .unwrap_or_else(|| panic!("no {status} event"));
        for (member, _) in fixture["detail"].as_object().unwrap() {
            if !["warnings", "framesDecoded"].contains(&member.as_str()) {
                assert!(
                    !event["detail"][member].is_null(),
                    "{status} without {member}"
                );
            }
        }
        for (member, _) in fixture["detail"]["jobProgress"]
            .as_object()
            .into_iter()
            .flatten()
        {
            assert!(
                !event["detail"]["jobProgress"][member].is_null(),
                "{status} without jobProgress.{member}"
            );
        }
    }
}

/// COMPLETE's output group: the main playlist and, for a 640x360 source, one rendition at
/// 640x360 (automated ABR makes none above the input).
fn assert_one_360p_rendition_in_complete(events: &[Value]) {
    let complete = &events.last().unwrap()["detail"];
    let group = &complete["outputGroupDetails"][0];
    assert_eq!(group["type"], "HLS_GROUP");
    assert_eq!(
        group["playlistFilePaths"][0],
        format!("s3://{OUTPUT_BUCKET}/jobs/j-1/index.m3u8")
    );
    let outputs = group["outputDetails"].as_array().unwrap();
    assert_eq!(outputs.len(), 1, "{outputs:?}");
    assert_eq!(outputs[0]["videoDetails"]["widthInPx"], 640);
    assert_eq!(outputs[0]["videoDetails"]["heightInPx"], 360);
    let duration = outputs[0]["durationInMs"].as_u64().unwrap();
    assert!((1900..=2200).contains(&duration), "duration {duration} ms");
    assert_eq!(
        outputs[0]["outputFilePaths"][0],
        format!("s3://{OUTPUT_BUCKET}/jobs/j-1/index_360p.m3u8")
    );
}

/// GetJob agrees with the events and never answers the key.
async fn assert_get_job_complete_without_the_key(stack: &Stack, id: &str) {
    let got = mediaconvert(&stack.server.endpoint())
        .get_job()
        .id(id)
        .send()
        .await
        .expect("GetJob")
        .job
        .expect("a job");
    assert_eq!(got.status.as_ref().map(|s| s.as_str()), Some("COMPLETE"));
    assert!(
        !format!("{got:?}").contains(&stack.key_hex),
        "GetJob answers the key"
    );
}

/// The size of every object under `prefix` in the output bucket, by key.
async fn output_sizes(stack: &Stack, prefix: &str) -> BTreeMap<String, i64> {
    let listed = stack
        .s3
        .list_objects_v2()
        .bucket(OUTPUT_BUCKET)
        .prefix(prefix)
        .send()
        .await
        .expect("list the output");
    let mut sizes = BTreeMap::new();
    for o in listed.contents() {
        sizes.insert(o.key().unwrap().to_string(), o.size().unwrap_or(0));
    }
    sizes
}

/// The 360p playlists and segments are there (nothing above 360p), the child playlist names
/// the key's URI and not the key, and its first segment decrypts to MPEG-TS that decodes at
/// 640x360.
async fn assert_360p_hls_decrypts_to_640x360(
    stack: &Stack,
    sizes: &BTreeMap<String, i64>,
    scratch: &Path,
) {
    assert!(sizes.contains_key("jobs/j-1/index.m3u8"), "{sizes:?}");
    assert!(sizes.contains_key("jobs/j-1/index_360p.m3u8"), "{sizes:?}");
    assert!(
        sizes.contains_key("jobs/j-1/index_360p_00001.ts"),
        "{sizes:?}"
    );
    assert!(
        !sizes
            .keys()
            .any(|k| k.contains("_540p") || k.contains("_720p") || k.contains("_1080p")),
        "{sizes:?}"
    );

    let main = String::from_utf8(object(&stack.s3, "jobs/j-1/index.m3u8").await).unwrap();
    assert!(
        main.contains("RESOLUTION=640x360") && main.contains("index_360p.m3u8"),
        "{main}"
    );
    assert!(
        testkit::hls_variants(&main)
            .iter()
            .all(|((w, h), _)| *w <= 640 && *h <= 360),
        "{main}"
    );
    let child = String::from_utf8(object(&stack.s3, "jobs/j-1/index_360p.m3u8").await).unwrap();
    assert!(
        child.contains(&format!("#EXT-X-KEY:METHOD=AES-128,URI=\"{KEY_URL}\"")),
        "{child}"
    );
    assert!(!child.contains(&stack.key_hex));
    let plain = first_segment(stack, "jobs/j-1/", &child).await;
    testkit::assert_mpeg_ts(&plain);
    // What a player decodes is 640x360, not an upscale.
    assert_eq!(
        testkit::decoded_video_size(&ffmpeg(), &plain, scratch),
        (640, 360)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_720p_upload_tops_the_ladder_at_720p_and_complete_lists_every_rendition() {
    let mut stack = stack(mediaconvert_local::TOKEN_WINDOW).await;
    let scratch = tempfile::tempdir().unwrap();
    let input_key = "uploads/owner-1/u-3/hd.mp4";
    upload_clip(&stack, input_key, "1280x720", scratch.path()).await;
    let complete = &completed(
        &mut stack,
        input_key,
        "jobs/j-3/",
        "token-cccccccccccccccccccccccccccccc",
    )
    .await;

    // The main playlist's variants: the input's size on top, nothing above it, at most the
    // template's MaxRenditions.
    let main = String::from_utf8(object(&stack.s3, "jobs/j-3/index.m3u8").await).unwrap();
    let found = testkit::hls_variants(&main);
    let sizes: Vec<(u32, u32)> = found.iter().map(|(size, _)| *size).collect();
    assert_eq!(sizes.iter().max(), Some(&(1280, 720)), "{main}");
    assert!(sizes.iter().all(|(w, h)| *w <= 1280 && *h <= 720), "{main}");
    let limit = synth::job_settings::ABR.max_renditions as usize;
    assert!(!sizes.is_empty() && sizes.len() <= limit, "{main}");

    // COMPLETE's details list exactly those renditions, with their sizes.
    let outputs = complete["outputGroupDetails"][0]["outputDetails"]
        .as_array()
        .unwrap();
    let mut detailed: Vec<((u32, u32), String)> = outputs
        .iter()
        .map(|o| {
            let v = &o["videoDetails"];
            let path = o["outputFilePaths"][0].as_str().unwrap();
            let name = path.rsplit('/').next().unwrap().to_string();
            assert_eq!(path, format!("s3://{OUTPUT_BUCKET}/jobs/j-3/{name}"));
            (
                (
                    v["widthInPx"].as_u64().unwrap() as u32,
                    v["heightInPx"].as_u64().unwrap() as u32,
                ),
                name,
            )
        })
        .collect();
    let mut listed = found.clone();
    detailed.sort();
    listed.sort();
    assert_eq!(detailed, listed);

    // The top rendition decodes at 720p: not a 1080p upscale, not a downscale.
    let (_, top) = found.iter().max_by_key(|(size, _)| *size).unwrap();
    let child = String::from_utf8(object(&stack.s3, &format!("jobs/j-3/{top}")).await).unwrap();
    let plain = first_segment(&stack, "jobs/j-3/", &child).await;
    assert_eq!(
        testkit::decoded_video_size(&ffmpeg(), &plain, scratch.path()),
        (1280, 720)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_input_ends_in_error_and_an_invalid_request_makes_no_job() {
    // A one-second token window stands for MediaConvert's minute.
    let window = Duration::from_secs(1);
    let mut stack = stack(window).await;
    let input_key = "uploads/owner-1/u-2/broken.mp4";
    let mut noise = vec![0u8; 64 * 1024];
    getrandom::getrandom(&mut noise).unwrap();
    stack
        .s3
        .put_object()
        .bucket(INPUT_BUCKET)
        .key(input_key)
        .body(noise.into())
        .send()
        .await
        .expect("upload");
    let key_hex = stack.key_hex.clone();
    let job = request(
        &key_hex,
        input_key,
        "jobs/j-2/",
        "token-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
    );
    let created = Instant::now();
    let id = stack.transcoder.create_job(&job).await.expect("CreateJob");
    assert_eq!(
        stack.transcoder.create_job(&job).await.expect("CreateJob"),
        id
    );
    let events = events_until_done(&mut stack.events, &id).await;
    let detail = &events.last().unwrap()["detail"];
    assert_eq!(detail["status"], "ERROR");
    assert_eq!(detail["errorCode"], 1010);
    let fixture: Value = serde_json::from_str(include_str!("fixtures/error.json")).unwrap();
    for (member, _) in fixture["detail"].as_object().unwrap() {
        assert!(!detail[member].is_null(), "ERROR without {member}");
    }
    let message = detail["errorMessage"].as_str().unwrap();
    assert!(message.contains("broken.mp4"), "{message}");
    assert!(
        !message.contains(INPUT_BUCKET) && !message.contains(&stack.key_hex),
        "{message}"
    );
    let written = output_sizes(&stack, "").await;
    assert!(written.is_empty(), "a failed job wrote output: {written:?}");

    // After the token's window the same token starts a new job.
    let after = created + window + Duration::from_millis(100);
    tokio::time::sleep(after.saturating_duration_since(Instant::now())).await;
    let later = stack
        .transcoder
        .create_job(&job)
        .await
        .expect("CreateJob after the window");
    assert_ne!(later, id);
    let events = events_until_done(&mut stack.events, &later).await;
    assert_eq!(events.last().unwrap()["detail"]["status"], "ERROR");

    // A misspelled enum, as a caller with a typo would send it: 400 naming it, no job.
    use aws_sdk_mediaconvert::types::{Input, JobSettings, StatusUpdateInterval};
    let before = stack.server.job_count();
    let refused = mediaconvert(&stack.server.endpoint())
        .create_job()
        .role("arn:aws:iam::123456789012:role/r")
        .job_template(TEMPLATE)
        .settings(
            JobSettings::builder()
                .inputs(
                    Input::builder()
                        .file_input(format!("s3://{INPUT_BUCKET}/{input_key}"))
                        .build(),
                )
                .build(),
        )
        .status_update_interval(StatusUpdateInterval::from("SECONDS_11"))
        .send()
        .await
        .expect_err("a misspelled enum is refused");
    let service = refused.into_service_error();
    assert!(service.is_bad_request_exception(), "{service:?}");
    let text = service.to_string();
    assert!(
        text.contains("SECONDS_11") && text.contains("statusUpdateInterval"),
        "{text}"
    );
    assert_eq!(stack.server.job_count(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_templates_and_unknown_jobs_answer_as_mediaconvert_does() {
    use aws_sdk_mediaconvert::types::JobTemplateSettings;
    let stack = stack(mediaconvert_local::TOKEN_WINDOW).await;
    let client = mediaconvert(&stack.server.endpoint());
    let template = client
        .get_job_template()
        .name(TEMPLATE)
        .send()
        .await
        .expect("GetJobTemplate")
        .job_template
        .expect("a template");
    assert_eq!(template.name(), Some(TEMPLATE));
    let group = &template.settings().unwrap().output_groups()[0];
    assert_eq!(group.outputs().len(), 1, "automated ABR's one base output");
    let abr = group
        .automated_encoding_settings()
        .and_then(|a| a.abr_settings())
        .expect("automated ABR");
    assert_eq!(
        abr.max_renditions(),
        Some(synth::job_settings::ABR.max_renditions as i32)
    );

    let taken = client
        .create_job_template()
        .name(TEMPLATE)
        .settings(JobTemplateSettings::builder().build())
        .send()
        .await
        .expect_err("a name in use");
    assert!(taken.into_service_error().is_conflict_exception());
    client
        .create_job_template()
        .name("another")
        .settings(JobTemplateSettings::builder().build())
        .send()
        .await
        .expect("CreateJobTemplate");

    let missing = client
        .get_job()
        .id("1763942400123-nojob0")
        .send()
        .await
        .expect_err("an unknown job");
    assert!(missing.into_service_error().is_not_found_exception());
    let missing = client
        .get_job_template()
        .name("nothing")
        .send()
        .await
        .expect_err("an unknown template");
    assert!(missing.into_service_error().is_not_found_exception());
}

/// CreateJob for `input_key` with the stack's template, run to its end: COMPLETE's detail.
async fn completed(stack: &mut Stack, input_key: &str, output: &str, token: &str) -> Value {
    let key_hex = stack.key_hex.clone();
    let job = request(&key_hex, input_key, output, token);
    let id = stack.transcoder.create_job(&job).await.expect("CreateJob");
    let events = events_until_done(&mut stack.events, &id).await;
    let complete = events.last().unwrap()["detail"].clone();
    assert_eq!(complete["status"], "COMPLETE", "{complete}");
    complete
}

/// A phone's portrait clip as phones store it: landscape frames and display-matrix rotation
/// metadata (here 640x360 stored, shown 360x640).
fn rotated_clip(dir: &Path) -> Vec<u8> {
    let landscape = dir.join("clip-640x360-2s.mp4");
    testkit::test_clip(&ffmpeg(), dir, 640, 360, 2);
    let phone = dir.join("phone.mp4");
    let status = std::process::Command::new(ffmpeg())
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(["-display_rotation", "90", "-i"])
        .arg(&landscape)
        .args(["-c", "copy"])
        .arg(&phone)
        .status()
        .expect("run ffmpeg");
    assert!(status.success(), "ffmpeg could not tag the rotation");
    std::fs::read(phone).expect("the rotated clip")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_phone_clip_comes_out_portrait_and_never_above_its_size() {
    let mut stack = stack(mediaconvert_local::TOKEN_WINDOW).await;
    let scratch = tempfile::tempdir().unwrap();
    let input_key = "uploads/owner-1/u-4/IMG_0042.MOV";
    stack
        .s3
        .put_object()
        .bucket(INPUT_BUCKET)
        .key(input_key)
        .body(rotated_clip(scratch.path()).into())
        .send()
        .await
        .expect("upload the clip");
    completed(
        &mut stack,
        input_key,
        "jobs/j-4/",
        "token-dddddddddddddddddddddddddddddd",
    )
    .await;

    // The template's Rotate AUTO turns the frames upright: every rendition is portrait and
    // none is above the displayed 360x640 (no squeeze into a landscape box, no upscale).
    let main = String::from_utf8(object(&stack.s3, "jobs/j-4/index.m3u8").await).unwrap();
    let found = testkit::hls_variants(&main);
    assert!(!found.is_empty(), "{main}");
    assert!(
        found
            .iter()
            .all(|((w, h), _)| w < h && *w <= 360 && *h <= 640),
        "{main}"
    );
    let (_, top) = found.iter().max_by_key(|(size, _)| *size).unwrap();
    let child = String::from_utf8(object(&stack.s3, &format!("jobs/j-4/{top}")).await).unwrap();
    let plain = first_segment(&stack, "jobs/j-4/", &child).await;
    assert_eq!(
        testkit::decoded_video_size(&ffmpeg(), &plain, scratch.path()),
        (360, 640)
    );
}

/// Every key under `prefix` in the output bucket.
async fn output_keys(stack: &Stack, prefix: &str) -> Vec<String> {
    output_sizes(stack, prefix).await.into_keys().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_job_stops_a_running_job_with_the_canceled_event_and_nothing_more_written() {
    use handlers::adapters::Canceled;
    let mut stack = stack(mediaconvert_local::TOKEN_WINDOW).await;
    let scratch = tempfile::tempdir().unwrap();
    let input_key = "uploads/owner-1/u-4/long.mp4";
    upload_clip(&stack, input_key, "1280x720", scratch.path()).await;
    let key_hex = stack.key_hex.clone();
    let job = request(
        &key_hex,
        input_key,
        "jobs/j-5/",
        "token-dddddddddddddddddddddddddddddd",
    );
    let id = stack.transcoder.create_job(&job).await.expect("CreateJob");
    // Wait until it runs: its PROGRESSING event.
    loop {
        let event = tokio::time::timeout(Duration::from_secs(30), stack.events.recv())
            .await
            .expect("PROGRESSING within 30 s")
            .expect("the sink stays open");
        assert_eq!(event["detail"]["jobId"], id.as_str());
        let status = event["detail"]["status"].as_str().unwrap_or_default();
        assert_ne!(
            status, "COMPLETE",
            "the job ended before the test could cancel it"
        );
        if status == "PROGRESSING" {
            break;
        }
    }

    let canceled = stack.transcoder.cancel_job(&id).await.expect("CancelJob");
    assert_eq!(canceled, Canceled::Sent);
    // The next event of the job is CANCELED, shaped as the service's fixture.
    let event = loop {
        let event = tokio::time::timeout(Duration::from_secs(10), stack.events.recv())
            .await
            .expect("CANCELED within 10 s")
            .expect("the sink stays open");
        if event["detail"]["status"] != "STATUS_UPDATE" {
            break event;
        }
    };
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../handlers/tests/fixtures/mediaconvert/canceled.json"),
        )
        .expect("the CANCELED fixture"),
    )
    .expect("JSON");
    assert_eq!(event["detail"]["status"], "CANCELED");
    assert_eq!(event["detail"]["jobId"], id.as_str());
    let members = |v: &Value| -> Vec<String> {
        let mut m: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        m.sort();
        m
    };
    assert_eq!(members(&event), members(&fixture));
    assert_eq!(members(&event["detail"]), members(&fixture["detail"]));

    // Nothing more: no event, no object written after the cancel.
    let written = output_keys(&stack, "jobs/j-5/").await;
    let quiet = tokio::time::timeout(Duration::from_secs(3), stack.events.recv()).await;
    assert!(quiet.is_err(), "an event after CANCELED: {quiet:?}");
    assert_eq!(
        output_keys(&stack, "jobs/j-5/").await,
        written,
        "written after CANCELED"
    );
    let client = mediaconvert(&stack.server.endpoint());
    let got = client.get_job().id(&id).send().await.expect("GetJob");
    assert_eq!(
        got.job().and_then(|j| j.status()).map(|s| s.as_str()),
        Some("CANCELED")
    );

    // A job that ended answers 409, an unknown one 404: the adapter reads both as ended.
    let again = client
        .cancel_job()
        .id(&id)
        .send()
        .await
        .expect_err("a canceled job");
    assert!(again.into_service_error().is_conflict_exception());
    let unknown = client
        .cancel_job()
        .id("1763942400123-nojob0")
        .send()
        .await
        .expect_err("an unknown job");
    assert!(unknown.into_service_error().is_not_found_exception());
    assert_eq!(
        stack.transcoder.cancel_job(&id).await.expect("CancelJob"),
        Canceled::AlreadyEnded
    );
}

/// The corpus of awkward uploads (`testkit::corpus`), each through the stack's template: the
/// documented error code, or renditions never above the displayed size, the top one decoding
/// at its expected size, with audio exactly when the input has some.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_corpus_file_completes_in_shape_or_fails_with_its_documented_code() {
    use testkit::corpus::{CASES, Expect};
    let mut stack = stack(mediaconvert_local::TOKEN_WINDOW).await;
    let scratch = tempfile::tempdir().unwrap();
    for (n, case) in CASES.iter().enumerate() {
        let input_key = format!("uploads/owner-1/c-{n}/{}", case.file_name);
        stack
            .s3
            .put_object()
            .bucket(INPUT_BUCKET)
            .key(&input_key)
            .body(case.make(&ffmpeg(), scratch.path()).into())
            .send()
            .await
            .expect("upload the corpus file");
        let output = format!("jobs/c-{n}/");
        let token = format!("token-corpus-{n:020}");
        let key_hex = stack.key_hex.clone();
        let job = request(&key_hex, &input_key, &output, &token);
        let id = stack.transcoder.create_job(&job).await.expect("CreateJob");
        let end = events_until_done(&mut stack.events, &id).await;
        let detail = &end.last().unwrap()["detail"];
        match case.expect {
            Expect::Error { code } => {
                assert_eq!(detail["status"], "ERROR", "{}: {detail}", case.what);
                assert_eq!(detail["errorCode"], code, "{}: {detail}", case.what);
                let message = detail["errorMessage"].as_str().unwrap();
                assert!(message.contains(case.file_name), "{message}");
                assert!(!message.contains(INPUT_BUCKET), "{message}");
                let written = output_sizes(&stack, &output).await;
                assert!(written.is_empty(), "{}: wrote {written:?}", case.what);
            }
            Expect::Complete { shown, top, audio } => {
                assert_eq!(detail["status"], "COMPLETE", "{}: {detail}", case.what);
                let main =
                    String::from_utf8(object(&stack.s3, &format!("{output}index.m3u8")).await)
                        .unwrap();
                let found = testkit::hls_variants(&main);
                assert!(!found.is_empty(), "{}: {main}", case.what);
                assert!(
                    found
                        .iter()
                        .all(|((w, h), _)| *w <= shown.0 && *h <= shown.1),
                    "{}: a rendition above {shown:?}: {main}",
                    case.what
                );
                assert_eq!(main.contains("mp4a"), audio, "{}: {main}", case.what);
                let (_, best) = found.iter().max_by_key(|(size, _)| *size).unwrap();
                let child =
                    String::from_utf8(object(&stack.s3, &format!("{output}{best}")).await).unwrap();
                let plain = first_segment(&stack, &output, &child).await;
                assert_eq!(
                    testkit::decoded_video_size(&ffmpeg(), &plain, scratch.path()),
                    top,
                    "{}",
                    case.what
                );
            }
        }
    }
}

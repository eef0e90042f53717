//! The loopback MediaConvert end to end: real ffmpeg, real moto, CreateJob exactly as
//! create-job's adapter sends it, with the stack's job template.
//!
//! The static key is checked for absence in messages; no assertion prints it.

use aws_sdk_mediaconvert::config::{BehaviorVersion, Credentials, Region};
use handlers::adapters::{JobRequest, Transcoder};
use mediaconvert_local::{Options, Server, locate_ffmpeg};
use mediaconvert_model::{Model, Naming};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const INPUT_BUCKET: &str = "vod-local-input-bucket";
const OUTPUT_BUCKET: &str = "vod-local-output-bucket";
const TEMPLATE: &str = "vod-test-hls";
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

/// The client as the handlers build it, its endpoint the stand-in.
fn mediaconvert(endpoint: &str) -> aws_sdk_mediaconvert::Client {
    aws_sdk_mediaconvert::Client::from_conf(
        aws_sdk_mediaconvert::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(testkit::REGION))
            .credentials_provider(credentials())
            .endpoint_url(endpoint)
            .build(),
    )
}

fn ffmpeg() -> PathBuf {
    locate_ffmpeg(&testkit::tool("python")).unwrap_or_else(|e| panic!("{e}"))
}

/// A 2-second `size` (`WxH`) test pattern with a tone, H.264 + AAC in MP4.
fn clip(ffmpeg: &Path, dir: &Path, size: &str) -> Vec<u8> {
    let path = dir.join(format!("clip-{size}.mp4"));
    let status = Command::new(ffmpeg)
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args([
            "-f",
            "lavfi",
            "-i",
            &format!("testsrc=size={size}:rate=25:duration=2"),
        ])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:duration=2"])
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
        ])
        .arg(&path)
        .status()
        .expect("run ffmpeg");
    assert!(status.success(), "ffmpeg could not make the test clip");
    std::fs::read(path).expect("the clip")
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
    let model = Model::from_botocore(&testkit::tool("python"))
        .unwrap_or_else(|e| panic!("{e}; run `bash scripts/tools.sh`"));
    let (tx, events) = mpsc::unbounded_channel();
    let options = Options {
        model: Arc::new(model),
        ffmpeg: ffmpeg(),
        s3: s3.clone(),
        events: Arc::new(move |event| drop(tx.send(event))),
        region: testkit::REGION.into(),
        account_id: "123456789012".into(),
        // SECONDS_10 becomes 20 ms: ffmpeg takes a few hundred on the 2-second clip, so
        // several updates arrive even on an idle machine.
        interval_scale: 0.002,
        token_window,
    };
    let server = Server::start(options, 0)
        .await
        .expect("the stand-in starts");
    let settings = synth::job_settings::render(&synth::job_settings::ABR).expect("render");
    server
        .register_job_template(TEMPLATE, &settings, Naming::MemberNames, Some("SECONDS_60"))
        .expect("the stack's job template registers");
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

/// AES-128-CBC with PKCS#7 padding through the pinned tools' python (`cryptography`, which
/// moto depends on): the workspace has no AES-CBC crate.
fn decrypt(data: &[u8], key_hex: &str, iv: u128, dir: &Path) -> Vec<u8> {
    let (input, output) = (dir.join("seg.enc"), dir.join("seg.ts"));
    std::fs::write(&input, data).unwrap();
    let script = "import sys\n\
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes\n\
        from cryptography.hazmat.primitives import padding\n\
        key, iv = bytes.fromhex(sys.stdin.readline().strip()), bytes.fromhex(sys.argv[1])\n\
        d = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()\n\
        raw = d.update(open(sys.argv[2], 'rb').read()) + d.finalize()\n\
        u = padding.PKCS7(128).unpadder()\n\
        open(sys.argv[3], 'wb').write(u.update(raw) + u.finalize())\n";
    // The key goes through standard input, never onto a command line.
    let mut child = Command::new(testkit::tool("python"))
        .args(["-c", script, &format!("{iv:032x}")])
        .arg(&input)
        .arg(&output)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("python");
    use std::io::Write;
    writeln!(child.stdin.take().unwrap(), "{key_hex}").unwrap();
    assert!(
        child.wait().unwrap().success(),
        "the segment does not decrypt with the key"
    );
    std::fs::read(output).unwrap()
}

/// Puts a generated `size` clip at `input_key` in the input bucket.
async fn upload_clip(stack: &Stack, input_key: &str, size: &str, dir: &Path) {
    stack
        .s3
        .put_object()
        .bucket(INPUT_BUCKET)
        .key(input_key)
        .body(clip(&ffmpeg(), dir, size).into())
        .send()
        .await
        .expect("upload the clip");
}

/// The first segment of a child playlist, decrypted with the playlist's IV: the playlist's
/// when it gives one, else the segment's media sequence number.
async fn first_segment(stack: &Stack, prefix: &str, child: &str, dir: &Path) -> Vec<u8> {
    let sequence: u128 = child
        .lines()
        .find_map(|l| l.strip_prefix("#EXT-X-MEDIA-SEQUENCE:"))
        .map_or(0, |n| n.trim().parse().unwrap());
    let iv = child
        .lines()
        .find(|l| l.starts_with("#EXT-X-KEY:"))
        .and_then(|l| l.split_once(",IV=0x"))
        .map_or(sequence, |(_, iv)| {
            u128::from_str_radix(iv.trim(), 16).expect("a hex IV")
        });
    let first = child
        .lines()
        .find(|l| l.ends_with(".ts"))
        .expect("a segment");
    let segment = object(&stack.s3, &format!("{prefix}{first}")).await;
    decrypt(&segment, &stack.key_hex, iv, dir)
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

    // Every event has the envelope and the job's identity, shaped like the service's.
    let fixture: Value = serde_json::from_str(include_str!("fixtures/complete.json")).unwrap();
    for event in &events {
        for member in ["version", "detail-type", "source"] {
            assert_eq!(event[member], fixture[member], "{member}");
        }
        for member in ["id", "account", "time", "region", "resources"] {
            assert!(!event[member].is_null(), "event without {member}");
        }
        let detail = &event["detail"];
        assert_eq!(detail["jobId"], id.as_str());
        assert_eq!(detail["userMetadata"]["stack"], "vod-test");
        assert!(detail["timestamp"].is_i64() && detail["accountId"].is_string());
        assert!(
            detail["queue"]
                .as_str()
                .unwrap()
                .ends_with(":queues/Default")
        );
        assert!(
            !event.to_string().contains(&stack.key_hex),
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
    let complete = &events.last().unwrap()["detail"];
    let group = &complete["outputGroupDetails"][0];
    assert_eq!(group["type"], "HLS_GROUP");
    assert_eq!(
        group["playlistFilePaths"][0],
        format!("s3://{OUTPUT_BUCKET}/jobs/j-1/index.m3u8")
    );
    // 640x360 source: automated ABR makes no rendition above it (this stand-in: one).
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

    // GetJob agrees with the events and never answers the key.
    let got = mediaconvert(&stack.server.endpoint())
        .get_job()
        .id(&id)
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

    let listed = stack
        .s3
        .list_objects_v2()
        .bucket(OUTPUT_BUCKET)
        .prefix("jobs/j-1/")
        .send()
        .await
        .expect("list the output");
    let mut sizes = BTreeMap::new();
    for o in listed.contents() {
        sizes.insert(o.key().unwrap().to_string(), o.size().unwrap_or(0));
    }
    eprintln!("transcoded in {elapsed:?}; output sizes: {sizes:?}");
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
        variants(&main)
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
    let plain = first_segment(&stack, "jobs/j-1/", &child, scratch.path()).await;
    assert!(
        !plain.is_empty() && plain.len().is_multiple_of(188),
        "{} bytes",
        plain.len()
    );
    assert!(
        plain.chunks(188).all(|packet| packet[0] == 0x47),
        "not MPEG-TS after decryption"
    );
    // What a player decodes is 640x360, not an upscale.
    assert_eq!(decoded_size(&plain, scratch.path()), (640, 360));
}

/// The H.264 elementary stream of an MPEG-TS segment: the payloads of the packets whose
/// PES stream id is a video one (0xE0..=0xEF), PES headers removed.
fn video_stream(ts: &[u8]) -> Vec<u8> {
    let mut video_pid = None;
    let mut stream = Vec::new();
    for packet in ts.chunks_exact(188) {
        let pid = (u16::from(packet[1] & 0x1f) << 8) | u16::from(packet[2]);
        let control = (packet[3] >> 4) & 3;
        if control & 1 == 0 {
            continue;
        }
        let start = if control & 2 != 0 {
            5 + usize::from(packet[4])
        } else {
            4
        };
        let Some(mut payload) = packet.get(start..) else {
            continue;
        };
        if packet[1] & 0x40 != 0
            && payload.len() > 9
            && payload[..3] == [0, 0, 1]
            && (0xe0..=0xef).contains(&payload[3])
        {
            video_pid = Some(pid);
            payload = &payload[9 + usize::from(payload[8])..];
        }
        if video_pid == Some(pid) {
            stream.extend_from_slice(payload);
        }
    }
    stream
}

/// The frame size ffmpeg decodes from a decrypted MPEG-TS segment's video. ffmpeg reads
/// the elementary stream: the pinned static build's MPEG-TS demuxer crashes on this
/// machine when reading (its muxer, which the stand-in uses, works).
fn decoded_size(ts: &[u8], dir: &Path) -> (u32, u32) {
    let path = dir.join("decoded.h264");
    std::fs::write(&path, video_stream(ts)).unwrap();
    let out = Command::new(ffmpeg())
        .args(["-hide_banner", "-nostdin", "-f", "h264", "-i"])
        .arg(&path)
        .args(["-frames:v", "1", "-f", "null", "-"])
        .output()
        .expect("run ffmpeg");
    let text = String::from_utf8_lossy(&out.stderr);
    let line = text
        .lines()
        .find(|l| l.contains("Stream #") && l.contains("Video:"))
        .unwrap_or_else(|| panic!("no video stream in the segment: {text}"));
    line.split([',', ' '])
        .find_map(|word| {
            let (w, h) = word.split_once('x')?;
            Some((w.parse().ok()?, h.parse().ok()?))
        })
        .unwrap_or_else(|| panic!("no size in {line}"))
}

/// `RESOLUTION=WxH` and URI of every variant of a main playlist, in order.
fn variants(main: &str) -> Vec<((u32, u32), String)> {
    let mut found = Vec::new();
    let mut lines = main.lines();
    while let Some(line) = lines.next() {
        if let Some(attributes) = line.strip_prefix("#EXT-X-STREAM-INF:") {
            let size = attributes
                .split(',')
                .find_map(|a| a.strip_prefix("RESOLUTION="))
                .and_then(|r| r.split_once('x'))
                .map(|(w, h)| (w.parse().unwrap(), h.parse().unwrap()))
                .unwrap_or_else(|| panic!("no RESOLUTION: {line}"));
            found.push((size, lines.next().expect("a URI").to_string()));
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_720p_upload_tops_the_ladder_at_720p_and_complete_lists_every_rendition() {
    let mut stack = stack(mediaconvert_local::TOKEN_WINDOW).await;
    let scratch = tempfile::tempdir().unwrap();
    let input_key = "uploads/owner-1/u-3/hd.mp4";
    upload_clip(&stack, input_key, "1280x720", scratch.path()).await;
    let key_hex = stack.key_hex.clone();
    let job = request(
        &key_hex,
        input_key,
        "jobs/j-3/",
        "token-cccccccccccccccccccccccccccccc",
    );
    let id = stack.transcoder.create_job(&job).await.expect("CreateJob");
    let events = events_until_done(&mut stack.events, &id).await;
    let complete = &events.last().unwrap()["detail"];
    assert_eq!(complete["status"], "COMPLETE", "{complete}");

    // The main playlist's variants: the input's size on top, nothing above it, at most the
    // template's MaxRenditions.
    let main = String::from_utf8(object(&stack.s3, "jobs/j-3/index.m3u8").await).unwrap();
    let found = variants(&main);
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
    let plain = first_segment(&stack, "jobs/j-3/", &child, scratch.path()).await;
    assert_eq!(decoded_size(&plain, scratch.path()), (1280, 720));
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
    let listed = stack
        .s3
        .list_objects_v2()
        .bucket(OUTPUT_BUCKET)
        .send()
        .await
        .unwrap();
    assert!(listed.contents().is_empty(), "a failed job wrote output");

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

//! One job's run: fetch the input from S3, probe it, transcode the HLS group with ffmpeg
//! into AES-128 HLS, upload every file, and report each state as MediaConvert's events.
//!
//! The renditions come from [`crate::ladder`]: explicit outputs as listed, automated ABR
//! within its documented bounds (never above the input).
//!
//! The static key is written only to a file in the job's private scratch folder for ffmpeg's
//! `-hls_key_info_file`; no message built here contains it, and ffmpeg's own log is never
//! copied into an event (only a fixed message per failure kind).

use crate::events::{self, EventSink, JobIdentity};
use crate::ladder::{self, Ladder, Rendition};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

/// What a run needs besides the job.
#[derive(Clone)]
pub struct Runner {
    pub ffmpeg: PathBuf,
    pub s3: aws_sdk_s3::Client,
    pub events: EventSink,
    /// Multiplies the job's status update interval (1.0 = the job's interval).
    pub interval_scale: f64,
}

/// A job as the runner sees it, taken from the merged settings (wire names).
#[derive(Clone, Debug)]
pub struct Plan {
    pub input: S3Location,
    pub destination: S3Location,
    pub segment_seconds: u32,
    pub key: [u8; 16],
    pub key_url: String,
    pub ladder: Ladder,
    pub interval: Duration,
}

#[derive(Clone, Debug, PartialEq)]
pub struct S3Location {
    pub bucket: String,
    pub key: String,
}

impl S3Location {
    pub fn parse(uri: &str) -> Option<S3Location> {
        let rest = uri.strip_prefix("s3://")?;
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        (!bucket.is_empty()).then(|| S3Location {
            bucket: bucket.to_string(),
            key: key.to_string(),
        })
    }

    fn uri(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }
}

/// The final state of a job, for GetJob.
#[derive(Clone, Debug)]
pub enum Outcome {
    Complete(Value),
    Error { code: u32, message: String },
}

/// Turns merged settings into a plan, or says (without the key) what this stand-in cannot
/// run: one S3 input and one HLS group with an S3 destination and a static AES-128 key.
pub fn plan(settings: &Value, interval_seconds: u32) -> Result<Plan, String> {
    let inputs = settings["inputs"].as_array().map_or(&[][..], Vec::as_slice);
    let [input] = inputs else {
        return Err(format!(
            "settings.inputs has {} inputs; this MediaConvert stand-in runs exactly one",
            inputs.len()
        ));
    };
    let input = input["fileInput"]
        .as_str()
        .and_then(S3Location::parse)
        .ok_or("settings.inputs[0].fileInput must be an s3://bucket/key URI")?;
    let groups = settings["outputGroups"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    let group = groups
        .iter()
        .find(|g| g["outputGroupSettings"]["type"] == "HLS_GROUP_SETTINGS")
        .ok_or("settings.outputGroups has no HLS_GROUP_SETTINGS group")?;
    let hls = &group["outputGroupSettings"]["hlsGroupSettings"];
    let destination = hls["destination"]
        .as_str()
        .and_then(S3Location::parse)
        .ok_or("the HLS group's destination must be an s3://bucket/prefix URI")?;
    let encryption = &hls["encryption"];
    if encryption["encryptionMethod"] != "AES128" || encryption["type"] != "STATIC_KEY" {
        return Err(
            "the HLS group's encryption must be encryptionMethod AES128 with type STATIC_KEY"
                .into(),
        );
    }
    let provider = &encryption["staticKeyProvider"];
    let key = provider["staticKeyValue"]
        .as_str()
        .filter(|k| k.len() == 32)
        .and_then(|k| hex::decode(k).ok())
        .and_then(|k| <[u8; 16]>::try_from(k).ok())
        .ok_or("staticKeyProvider.staticKeyValue must be 32 hexadecimal digits")?;
    let key_url = provider["url"]
        .as_str()
        .filter(|u| !u.is_empty() && !u.contains(['\n', '\r', '"']))
        .ok_or("staticKeyProvider.url must be a non-empty URI")?
        .to_string();
    let ladder = ladder::from_group(group)?;
    Ok(Plan {
        input,
        destination,
        segment_seconds: hls["segmentLength"].as_u64().unwrap_or(10).max(1) as u32,
        key,
        key_url,
        ladder,
        interval: Duration::from_secs(u64::from(interval_seconds)),
    })
}

/// The base name MediaConvert gives the main playlist: the destination's last segment, or,
/// when the destination ends in `/`, the input file's name without its extension.
pub fn base_name(destination: &S3Location, input: &S3Location) -> (String, String) {
    match destination.key.rsplit_once('/') {
        Some((prefix, name)) if !name.is_empty() => (format!("{prefix}/"), name.to_string()),
        None if !destination.key.is_empty() => (String::new(), destination.key.clone()),
        _ => {
            let file = input.key.rsplit('/').next().unwrap_or("");
            let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
            (destination.key.clone(), stem.to_string())
        }
    }
}

struct Probe {
    duration_ms: u64,
    width: u32,
    height: u32,
    has_audio: bool,
}

/// ffmpeg's own reading of the input (the build ships no ffprobe).
async fn probe(ffmpeg: &Path, input: &Path) -> Option<Probe> {
    let out = tokio::process::Command::new(ffmpeg)
        .args(["-hide_banner", "-nostdin", "-i"])
        .arg(input)
        .stdin(Stdio::null())
        .output()
        .await
        .ok()?;
    let text = String::from_utf8_lossy(&out.stderr);
    let duration = regex_lite::Regex::new(r"Duration: (\d+):(\d\d):(\d\d)\.(\d\d)")
        .expect("a valid regex")
        .captures(&text)?;
    let n = |i: usize| duration[i].parse::<u64>().unwrap_or(0);
    let duration_ms = ((n(1) * 60 + n(2)) * 60 + n(3)) * 1000 + n(4) * 10;
    let size = regex_lite::Regex::new(r"Stream #[^\n]*Video:[^\n]*?, (\d{2,5})x(\d{2,5})")
        .expect("a valid regex")
        .captures(&text)?;
    let (width, height): (u32, u32) = (size[1].parse().ok()?, size[2].parse().ok()?);
    // Phone videos are stored landscape with a rotation; ffmpeg turns the frames upright
    // before scaling, so the ladder must see the displayed size.
    let quarter_turn = regex_lite::Regex::new(r"rotation of (-?\d+)")
        .expect("a valid regex")
        .captures(&text)
        .and_then(|c| c[1].parse::<i32>().ok())
        .is_some_and(|degrees| degrees.rem_euclid(180) == 90);
    let (width, height) = if quarter_turn {
        (height, width)
    } else {
        (width, height)
    };
    Some(Probe {
        duration_ms,
        width,
        height,
        has_audio: text
            .lines()
            .any(|l| l.contains("Stream #") && l.contains("Audio:")),
    })
}

/// Runs the job to its end, sending its events; returns its outcome for GetJob.
pub async fn run(runner: Runner, id: JobIdentity, plan: Plan, percent: Arc<AtomicU32>) -> Outcome {
    let outcome = match execute(&runner, &id, &plan, &percent).await {
        Ok(details) => Outcome::Complete(details),
        Err((code, message)) => Outcome::Error { code, message },
    };
    let extra = match &outcome {
        Outcome::Complete(details) => {
            let mut m = Map::new();
            m.insert("outputGroupDetails".into(), details.clone());
            m.insert("paddingInserted".into(), 0.into());
            m.insert("blackVideoDetected".into(), 0.into());
            m
        }
        Outcome::Error { code, message } => {
            let mut m = Map::new();
            m.insert("errorCode".into(), (*code).into());
            m.insert("errorMessage".into(), message.clone().into());
            m
        }
    };
    let status = match outcome {
        Outcome::Complete(_) => "COMPLETE",
        Outcome::Error { .. } => "ERROR",
    };
    (runner.events)(id.event(status, extra));
    outcome
}

type Failure = (u32, String);

async fn execute(
    runner: &Runner,
    id: &JobIdentity,
    plan: &Plan,
    percent: &Arc<AtomicU32>,
) -> Result<Value, Failure> {
    let scratch =
        tempfile::tempdir().map_err(|_| (1999, "Internal error: no scratch space".to_string()))?;
    let input_path = scratch.path().join("input");
    (runner.events)(id.event("PROGRESSING", Map::new()));

    // The input's name in messages is its file name: the bucket stays out of what clients see.
    let file_name = plan
        .input
        .key
        .rsplit('/')
        .next()
        .unwrap_or("input")
        .to_string();
    let unreadable = |why: &str| {
        (
            1010,
            format!("Unable to open input file [{file_name}]: [Failed probe/open: [{why}]]"),
        )
    };
    let object = runner
        .s3
        .get_object()
        .bucket(&plan.input.bucket)
        .key(&plan.input.key)
        .send()
        .await
        .map_err(|_| {
            (
                1030,
                format!("Unable to open input file [{file_name}]: [Failed probe/open: [Can't read input stream: [Failed to read data]]]"),
            )
        })?;
    // Streamed to the scratch file: uploads may be up to the stack's size limit (1 GiB).
    let mut body = object.body.into_async_read();
    let mut file = tokio::fs::File::create(&input_path)
        .await
        .map_err(|_| (1999, "Internal error: cannot stage the input".to_string()))?;
    tokio::io::copy(&mut body, &mut file)
        .await
        .map_err(|_| unreadable("Can't read input stream"))?;
    drop(file);

    let source = probe(&runner.ffmpeg, &input_path)
        .await
        .ok_or_else(|| unreadable("No video stream could be read from the input"))?;
    let rungs = plan.ladder.renditions(source.width, source.height);

    let out_dir = scratch.path().join("out");
    std::fs::create_dir(&out_dir)
        .map_err(|_| (1999, "Internal error: no output space".to_string()))?;
    let key_file = scratch.path().join("key.bin");
    std::fs::write(&key_file, plan.key)
        .map_err(|_| (1999, "Internal error: cannot stage the key".to_string()))?;
    let key_info = scratch.path().join("key.info");
    std::fs::write(
        &key_info,
        format!("{}\n{}\n", plan.key_url, key_file.display()),
    )
    .map_err(|_| (1999, "Internal error: cannot stage the key".to_string()))?;

    let (prefix, base) = base_name(&plan.destination, &plan.input);
    let args = ffmpeg_args(
        &input_path,
        &out_dir,
        &key_info,
        &base,
        plan,
        &rungs,
        source.has_audio,
    );
    let mut child = tokio::process::Command::new(&runner.ffmpeg)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|_| {
            (
                1999,
                "Internal error: the transcoder did not start".to_string(),
            )
        })?;

    let interval = plan.interval.mul_f64(runner.interval_scale.max(0.001));
    let ticker = {
        let (id, percent, events) = (id.clone(), percent.clone(), runner.events.clone());
        tokio::spawn(async move {
            let mut tick =
                tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
            // A stalled machine sends one late update, not a burst of them.
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let p = percent.load(Ordering::SeqCst);
                events(id.event("STATUS_UPDATE", events::progress(p)));
            }
        })
    };
    let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(us) = line
            .strip_prefix("out_time_us=")
            .and_then(|v| v.parse::<u64>().ok())
        {
            let done = (us / 1000 * 100 / source.duration_ms.max(1)).min(99) as u32;
            percent.fetch_max(done, Ordering::SeqCst);
        }
    }
    let status = child.wait().await;
    ticker.abort();
    if !status.is_ok_and(|s| s.success()) {
        return Err(unreadable("The input could not be decoded"));
    }

    let mut files: Vec<PathBuf> = std::fs::read_dir(&out_dir)
        .map_err(|_| (1999, "Internal error: output missing".to_string()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    let mut sizes: Vec<u64> = vec![0; rungs.len()];
    for file in &files {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let content_type = if name.ends_with(".m3u8") {
            "application/vnd.apple.mpegurl"
        } else {
            "video/MP2T"
        };
        let body = std::fs::read(file)
            .map_err(|_| (1999, "Internal error: output unreadable".to_string()))?;
        for (i, rung) in rungs.iter().enumerate() {
            if name.starts_with(&format!("{base}{}_", rung.suffix)) && name.ends_with(".ts") {
                sizes[i] += body.len() as u64;
            }
        }
        runner
            .s3
            .put_object()
            .bucket(&plan.destination.bucket)
            .key(format!("{prefix}{name}"))
            .content_type(content_type)
            .body(body.into())
            .send()
            .await
            .map_err(|_| {
                (
                    3450,
                    format!("Unable to write to output file [{name}]: [Failed to write data]"),
                )
            })?;
    }
    let location = |name: &str| {
        S3Location {
            bucket: plan.destination.bucket.clone(),
            key: format!("{prefix}{name}"),
        }
        .uri()
    };
    let outputs: Vec<Value> = rungs
        .iter()
        .zip(&sizes)
        .map(|(r, size)| {
            json!({
                "outputFilePaths": [location(&format!("{base}{}.m3u8", r.suffix))],
                "durationInMs": source.duration_ms,
                "videoDetails": {
                    "widthInPx": r.width,
                    "heightInPx": r.height,
                    "averageBitrate": size * 8 * 1000 / source.duration_ms.max(1),
                }
            })
        })
        .collect();
    percent.store(100, Ordering::SeqCst);
    Ok(json!([{
        "outputDetails": outputs,
        "playlistFilePaths": [location(&format!("{base}.m3u8"))],
        "type": "HLS_GROUP",
    }]))
}

fn ffmpeg_args(
    input: &Path,
    out_dir: &Path,
    key_info: &Path,
    base: &str,
    plan: &Plan,
    rungs: &[Rendition],
    audio: bool,
) -> Vec<String> {
    let n = rungs.len();
    let mut filter = format!("[0:v]split={n}");
    for i in 0..n {
        filter.push_str(&format!("[s{i}]"));
    }
    for (i, r) in rungs.iter().enumerate() {
        filter.push_str(&format!(";[s{i}]{}[v{i}]", ladder::scale_filter(r)));
    }
    let mut args: Vec<String> = ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(input.display().to_string());
    args.extend(["-progress", "pipe:1", "-nostats", "-filter_complex"].map(String::from));
    args.push(filter);
    let mut streams = Vec::new();
    for (i, r) in rungs.iter().enumerate() {
        args.extend([
            "-map".into(),
            format!("[v{i}]"),
            format!("-c:v:{i}"),
            "libx264".into(),
            format!("-b:v:{i}"),
            r.bitrate.to_string(),
            format!("-maxrate:v:{i}"),
            r.max_bitrate.to_string(),
            format!("-bufsize:v:{i}"),
            (r.max_bitrate * 2).to_string(),
        ]);
        if audio {
            args.extend([
                "-map".into(),
                "0:a:0".into(),
                format!("-c:a:{i}"),
                "aac".into(),
                format!("-b:a:{i}"),
                r.audio_bitrate.to_string(),
            ]);
            streams.push(format!("v:{i},a:{i},name:{}", r.suffix));
        } else {
            streams.push(format!("v:{i},name:{}", r.suffix));
        }
    }
    if audio {
        args.extend(["-ac", "2", "-ar", "48000"].map(String::from));
    }
    // Keyframes on the segment grid, so every segment starts on one (the template's GOP
    // divides its segment length).
    args.extend([
        "-preset".into(),
        "veryfast".into(),
        "-sc_threshold".into(),
        "0".into(),
        "-force_key_frames".into(),
        format!("expr:gte(t,n_forced*{})", plan.segment_seconds),
        "-f".into(),
        "hls".into(),
        "-hls_time".into(),
        plan.segment_seconds.to_string(),
        "-hls_playlist_type".into(),
        "vod".into(),
        "-hls_list_size".into(),
        "0".into(),
        "-start_number".into(),
        "1".into(),
        "-hls_key_info_file".into(),
        key_info.display().to_string(),
        "-hls_segment_filename".into(),
        out_dir
            .join(format!("{base}%v_%05d.ts"))
            .display()
            .to_string(),
        "-master_pl_name".into(),
        format!("{base}.m3u8"),
        "-var_stream_map".into(),
        streams.join(" "),
    ]);
    args.push(out_dir.join(format!("{base}%v.m3u8")).display().to_string());
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_name_is_the_destination_name_or_the_input_stem() {
        let input = S3Location::parse("s3://in/uploads/o/u/My Clip.mp4").unwrap();
        let dir = S3Location::parse("s3://out/jobs/abc/").unwrap();
        assert_eq!(
            base_name(&dir, &input),
            ("jobs/abc/".into(), "My Clip".into())
        );
        let named = S3Location::parse("s3://out/jobs/abc/index").unwrap();
        assert_eq!(
            base_name(&named, &input),
            ("jobs/abc/".into(), "index".into())
        );
    }
}

#[cfg(test)]
mod plan_tests {
    use super::*;
    use serde_json::json;

    fn settings(key: &str) -> Value {
        json!({
            "inputs": [{"fileInput": "s3://in/a/clip.mp4"}],
            "outputGroups": [{
                "outputGroupSettings": {"type": "HLS_GROUP_SETTINGS", "hlsGroupSettings": {
                    "destination": "s3://out/jobs/1/",
                    "segmentLength": 6,
                    "encryption": {"encryptionMethod": "AES128", "type": "STATIC_KEY",
                        "staticKeyProvider": {"staticKeyValue": key, "url": "https://k"}}
                }},
                "outputs": [{"nameModifier": "_360p", "videoDescription": {"width": 640, "height": 360,
                    "codecSettings": {"h264Settings": {"maxBitrate": 900000}}}}]
            }]
        })
    }

    #[test]
    fn a_runnable_job_becomes_a_plan() {
        let plan = plan(&settings("00112233445566778899aabbccddeeff"), 10).expect("a plan");
        assert_eq!(plan.key[15], 0xff);
        let Ladder::Explicit(outputs) = &plan.ladder else {
            panic!("an explicit ladder")
        };
        assert_eq!(outputs[0].max_bitrate, Some(900_000));
        assert_eq!(plan.interval, Duration::from_secs(10));
        assert_eq!(plan.destination.key, "jobs/1/");
    }

    #[test]
    fn a_bad_key_is_refused_without_echoing_it() {
        let why = plan(&settings("00112233445566778899aabbccddeef"), 10).unwrap_err();
        assert!(why.contains("32 hexadecimal digits"), "{why}");
        assert!(!why.contains("0011223344"), "{why}");
    }
}

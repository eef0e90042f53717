//! One job's run, step by step: fetch the input from S3, probe it, transcode the HLS group
//! with ffmpeg into AES-128 HLS, upload every file, and report each state as MediaConvert's
//! events.
//!
//! The job comes as a [`Plan`] ([`crate::plan`]); the renditions from [`crate::ladder`]:
//! explicit outputs as listed, automated ABR within its documented bounds (never above the
//! input); what ffmpeg is told from the `ffmpeg` module. A FILE group's frame capture
//! ([`crate::frame_capture`]) is a second ffmpeg run over the same staged input, after the
//! HLS group's, its JPEGs uploaded under its own destination.
//!
//! The static key is written only to a file in the job's private scratch folder for ffmpeg's
//! `-hls_key_info_file`; no message built here contains it, and ffmpeg's own log is never
//! copied into an event (only a fixed message per failure kind).

use crate::events::{self, EventSink, JobIdentity};
use crate::ffmpeg::{Probe, Unprobeable, ffmpeg_args, probe};
use crate::frame_capture::FrameCapture;
use crate::ladder::Rendition;
use crate::plan::{Plan, S3Location, base_name};
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

/// The final state of a job, for GetJob.
#[derive(Clone, Debug)]
pub enum Outcome {
    Complete(Value),
    Error { code: u32, message: String },
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

/// MediaConvert's error code and message for a job that ends in ERROR.
type Failure = (u32, String);

/// A local fault (no space, a file that cannot be written): code 1999, as MediaConvert
/// reports its own internal errors.
fn internal(what: &str) -> Failure {
    (1999, format!("Internal error: {what}"))
}

/// The job's private scratch folder and the files in it. Dropping it removes them all, the
/// key file included.
struct Scratch {
    dir: tempfile::TempDir,
    input: PathBuf,
    out: PathBuf,
}

impl Scratch {
    fn new() -> Result<Scratch, Failure> {
        let dir = tempfile::tempdir().map_err(|_| internal("no scratch space"))?;
        let (input, out) = (dir.path().join("input"), dir.path().join("out"));
        Ok(Scratch { dir, input, out })
    }
}

/// The input as messages name it: its file name only, so the bucket stays out of what
/// clients see.
struct InputName(String);

impl InputName {
    fn of(plan: &Plan) -> InputName {
        InputName(
            plan.input
                .key
                .rsplit('/')
                .next()
                .unwrap_or("input")
                .to_string(),
        )
    }

    /// Code 1010: the input was read but cannot be opened or decoded.
    fn unreadable(&self, why: &str) -> Failure {
        (
            1010,
            format!(
                "Unable to open input file [{}]: [Failed probe/open: [{why}]]",
                self.0
            ),
        )
    }

    /// Code 1020 ("Video Error"): the file opens but has no video elementary stream.
    fn without_video(&self) -> Failure {
        (
            1020,
            format!(
                "No video stream found in input file [{}]: the file was opened and read, but it has no video elementary stream",
                self.0
            ),
        )
    }

    /// Code 1076 ("Source Read Error"): the file ends before its own index says it does.
    fn cut_short(&self) -> Failure {
        (
            1076,
            format!(
                "Unable to read input file [{}]: unexpected end of file",
                self.0
            ),
        )
    }

    /// Code 1404 when S3 has no such object, else 1401 ("Amazon S3 denied access to a
    /// file or bucket"): the two codes the User Guide gives for reading an S3 input.
    fn unfetchable(&self, missing: bool) -> Failure {
        let (code, why) = if missing {
            (1404, "File not found")
        } else {
            (1401, "Access denied")
        };
        (
            code,
            format!(
                "Unable to open input file [{}]: [Failed probe/open: [{why}]]",
                self.0
            ),
        )
    }
}

/// Where the outputs go: the destination's key prefix and the base every file name starts
/// with (MediaConvert's naming, see [`base_name`]).
struct OutputNames {
    prefix: String,
    base: String,
}

/// The steps of a job in order: stage the input, probe it, choose the renditions, stage the
/// key, transcode, upload; then the output group's details for COMPLETE.
async fn execute(
    runner: &Runner,
    id: &JobIdentity,
    plan: &Plan,
    percent: &Arc<AtomicU32>,
) -> Result<Value, Failure> {
    let scratch = Scratch::new()?;
    (runner.events)(id.event("PROGRESSING", Map::new()));
    let name = InputName::of(plan);
    fetch_input(runner, plan, &scratch.input, &name).await?;
    let source = probe(&runner.ffmpeg, &scratch.input, plan.rotate_auto)
        .await
        .map_err(|why| match why {
            Unprobeable::NoVideo => name.without_video(),
            Unprobeable::Unreadable => name.unreadable("No parser found for container"),
        })?;
    let rungs = plan.ladder.renditions(source.width, source.height);
    std::fs::create_dir(&scratch.out).map_err(|_| internal("no output space"))?;
    let key_info = stage_key(&scratch, plan)?;
    let (prefix, base) = base_name(&plan.destination, &plan.input);
    let names = OutputNames { prefix, base };
    let args = ffmpeg_args(
        &scratch.input,
        &scratch.out,
        &key_info,
        &names.base,
        plan,
        &rungs,
        &source,
    );
    match transcode(runner, id, plan, percent, &args, source.duration_ms).await? {
        Decoded::Whole => {}
        Decoded::CutShort => return Err(name.cut_short()),
        Decoded::Failed => return Err(name.unreadable("The input could not be decoded")),
    }
    let stills = match &plan.frame_capture {
        Some(capture) => {
            Some(capture_frames(runner, &scratch, plan, capture, &source, &name).await?)
        }
        None => None,
    };
    let sizes = upload(runner, plan, &scratch.out, &names, &rungs).await?;
    if let Some(stills) = &stills {
        upload_stills(runner, stills).await?;
    }
    percent.store(100, Ordering::SeqCst);
    let mut details = group_details(plan, &names, &rungs, &sizes, source.duration_ms);
    if let (Some(stills), Value::Array(groups)) = (&stills, &mut details) {
        groups.push(stills.details(&source, source.duration_ms));
    }
    Ok(details)
}

/// The stills a frame capture wrote, and where they go.
struct Stills {
    destination: S3Location,
    prefix: String,
    /// File names in capture order; never empty (the first frame is always captured).
    files: Vec<PathBuf>,
}

impl Stills {
    /// COMPLETE's FILE group for a frame capture: only the last image is named ("the file
    /// name and path of the final captured image"), at the input's size.
    fn details(&self, source: &Probe, duration_ms: u64) -> Value {
        let last = self
            .files
            .last()
            .and_then(|f| f.file_name())
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let path = S3Location {
            bucket: self.destination.bucket.clone(),
            key: format!("{}{last}", self.prefix),
        };
        json!({
            "outputDetails": [{
                "outputFilePaths": [path.uri()],
                "durationInMs": duration_ms,
                "videoDetails": {"widthInPx": source.width, "heightInPx": source.height},
            }],
            "type": "FILE_GROUP",
        })
    }
}

/// Runs the frame capture's own ffmpeg over the staged input into a folder of its own.
async fn capture_frames(
    runner: &Runner,
    scratch: &Scratch,
    plan: &Plan,
    capture: &FrameCapture,
    source: &Probe,
    name: &InputName,
) -> Result<Stills, Failure> {
    let dir = scratch.dir.path().join("stills");
    std::fs::create_dir(&dir).map_err(|_| internal("no output space"))?;
    let (prefix, base) = base_name(&capture.destination, &plan.input);
    let status = tokio::process::Command::new(&runner.ffmpeg)
        .args(capture.ffmpeg_args(&scratch.input, &dir, &base, source.upright))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .status()
        .await
        .map_err(|_| internal("the frame capture did not start"))?;
    let mut files = sorted_files(&dir)?;
    files.retain(|f| f.extension().is_some_and(|e| e == "jpg"));
    if !status.success() || files.is_empty() {
        return Err(name.unreadable("No frame could be captured from the input"));
    }
    Ok(Stills {
        destination: capture.destination.clone(),
        prefix,
        files,
    })
}

async fn upload_stills(runner: &Runner, stills: &Stills) -> Result<(), Failure> {
    for file in &stills.files {
        let name = file_name(file);
        let body = std::fs::read(file).map_err(|_| internal("output unreadable"))?;
        put(
            runner,
            &stills.destination.bucket,
            &format!("{}{name}", stills.prefix),
            "image/jpeg",
            body,
        )
        .await?;
    }
    Ok(())
}

/// The files of `dir`, in name order.
fn sorted_files(dir: &Path) -> Result<Vec<PathBuf>, Failure> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|_| internal("output missing"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    Ok(files)
}

fn file_name(file: &Path) -> &str {
    file.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
}

/// One output file to S3; a failure is MediaConvert's 3450 naming the file.
async fn put(
    runner: &Runner,
    bucket: &str,
    key: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Result<(), Failure> {
    runner
        .s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type(content_type)
        .body(body.into())
        .send()
        .await
        .map(drop)
        .map_err(|_| {
            let name = key.rsplit('/').next().unwrap_or(key);
            (
                1401,
                format!("Unable to write to output file [{name}]: [Access denied]"),
            )
        })
}

/// Streams the input from S3 to `path`: uploads may be up to the stack's size limit (1 GiB).
async fn fetch_input(
    runner: &Runner,
    plan: &Plan,
    path: &Path,
    name: &InputName,
) -> Result<(), Failure> {
    let object = runner
        .s3
        .get_object()
        .bucket(&plan.input.bucket)
        .key(&plan.input.key)
        .send()
        .await
        .map_err(|e| {
            name.unfetchable(
                e.as_service_error()
                    .is_some_and(|service| service.is_no_such_key()),
            )
        })?;
    let mut body = object.body.into_async_read();
    let mut file = tokio::fs::File::create(path)
        .await
        .map_err(|_| internal("cannot stage the input"))?;
    tokio::io::copy(&mut body, &mut file)
        .await
        .map_err(|_| name.unreadable("Can't read input stream"))?;
    Ok(())
}

/// Writes the key and ffmpeg's key info file (the key's URI for the playlists, then the key
/// file's path) into the scratch folder; returns the key info file's path.
fn stage_key(scratch: &Scratch, plan: &Plan) -> Result<PathBuf, Failure> {
    let key_file = scratch.dir.path().join("key.bin");
    std::fs::write(&key_file, plan.key).map_err(|_| internal("cannot stage the key"))?;
    let key_info = scratch.dir.path().join("key.info");
    std::fs::write(
        &key_info,
        format!("{}\n{}\n", plan.key_url, key_file.display()),
    )
    .map_err(|_| internal("cannot stage the key"))?;
    Ok(key_info)
}

/// How ffmpeg's run over the whole input ended.
enum Decoded {
    Whole,
    /// It ran, but the file ended before its index did (a truncated upload).
    CutShort,
    Failed,
}

/// Runs ffmpeg with `args` to its end, raising `percent` from its `-progress` output and
/// sending a STATUS_UPDATE every (scaled) interval meanwhile; how it ended. Its log is only
/// scanned for the demuxer's "partial file" (never kept or forwarded), so the caller says
/// why it failed in a fixed message.
async fn transcode(
    runner: &Runner,
    id: &JobIdentity,
    plan: &Plan,
    percent: &Arc<AtomicU32>,
    args: &[String],
    duration_ms: u64,
) -> Result<Decoded, Failure> {
    let mut child = tokio::process::Command::new(&runner.ffmpeg)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|_| internal("the transcoder did not start"))?;
    let interval = plan.interval.mul_f64(runner.interval_scale.max(0.001));
    let ticker = tokio::spawn(status_updates(
        id.clone(),
        percent.clone(),
        runner.events.clone(),
        interval,
    ));
    // Drained meanwhile, so a chatty log never blocks ffmpeg on a full pipe.
    let mut log = BufReader::new(child.stderr.take().expect("piped stderr")).lines();
    let cut_short = tokio::spawn(async move {
        let mut partial = false;
        while let Ok(Some(line)) = log.next_line().await {
            partial |= line.contains("partial file");
        }
        partial
    });
    let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(us) = line
            .strip_prefix("out_time_us=")
            .and_then(|v| v.parse::<u64>().ok())
        {
            let done = (us / 1000 * 100 / duration_ms.max(1)).min(99) as u32;
            percent.fetch_max(done, Ordering::SeqCst);
        }
    }
    let status = child.wait().await;
    ticker.abort();
    let partial = cut_short.await.unwrap_or(false);
    Ok(match status {
        Ok(s) if s.success() && !partial => Decoded::Whole,
        Ok(_) if partial => Decoded::CutShort,
        _ => Decoded::Failed,
    })
}

/// Sends a STATUS_UPDATE with the current percentage every `interval`, until aborted.
async fn status_updates(
    id: JobIdentity,
    percent: Arc<AtomicU32>,
    events: EventSink,
    interval: Duration,
) {
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    // A stalled machine sends one late update, not a burst of them.
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let p = percent.load(Ordering::SeqCst);
        events(id.event("STATUS_UPDATE", events::progress(p)));
    }
}

/// Uploads every file ffmpeg wrote under the destination's prefix, in name order; returns the
/// bytes of segments per rendition (for its average bitrate).
async fn upload(
    runner: &Runner,
    plan: &Plan,
    out_dir: &Path,
    names: &OutputNames,
    rungs: &[Rendition],
) -> Result<Vec<u64>, Failure> {
    let files = sorted_files(out_dir)?;
    let mut sizes: Vec<u64> = vec![0; rungs.len()];
    for file in &files {
        let name = file_name(file);
        let content_type = if name.ends_with(".m3u8") {
            "application/vnd.apple.mpegurl"
        } else {
            "video/MP2T"
        };
        let body = std::fs::read(file).map_err(|_| internal("output unreadable"))?;
        for (i, rung) in rungs.iter().enumerate() {
            if name.starts_with(&format!("{}{}_", names.base, rung.suffix)) && name.ends_with(".ts")
            {
                sizes[i] += body.len() as u64;
            }
        }
        put(
            runner,
            &plan.destination.bucket,
            &format!("{}{name}", names.prefix),
            content_type,
            body,
        )
        .await?;
    }
    Ok(sizes)
}

/// COMPLETE's `outputGroupDetails`: the main playlist, and per rendition its playlist, size
/// and average bitrate.
fn group_details(
    plan: &Plan,
    names: &OutputNames,
    rungs: &[Rendition],
    sizes: &[u64],
    duration_ms: u64,
) -> Value {
    let location = |name: &str| {
        S3Location {
            bucket: plan.destination.bucket.clone(),
            key: format!("{}{name}", names.prefix),
        }
        .uri()
    };
    let base = &names.base;
    let outputs: Vec<Value> = rungs
        .iter()
        .zip(sizes)
        .map(|(r, size)| {
            json!({
                "outputFilePaths": [location(&format!("{base}{}.m3u8", r.suffix))],
                "durationInMs": duration_ms,
                "videoDetails": {
                    "widthInPx": r.width,
                    "heightInPx": r.height,
                    "averageBitrate": size * 8 * 1000 / duration_ms.max(1),
                }
            })
        })
        .collect();
    json!([{
        "outputDetails": outputs,
        "playlistFilePaths": [location(&format!("{base}.m3u8"))],
        "type": "HLS_GROUP",
    }])
}

//! The stand-in as the tests start it: the pinned model, the pinned ffmpeg, the stack's own
//! job template registered under [`TEMPLATE`], and every event sent to a channel.

use mediaconvert_local::{Options, Server, locate_ffmpeg};
use mediaconvert_model::{Model, Naming};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

pub const TEMPLATE: &str = "vod-test-hls";

/// Found once per test binary: each lookup starts python to import imageio_ffmpeg.
pub fn ffmpeg() -> PathBuf {
    static FFMPEG: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    FFMPEG
        .get_or_init(|| locate_ffmpeg(&testkit::tool("python")).unwrap_or_else(|e| panic!("{e}")))
        .clone()
}

/// `interval_scale` multiplies each job's status update interval.
pub async fn start(
    s3: aws_sdk_s3::Client,
    interval_scale: f64,
    token_window: Duration,
) -> (Server, mpsc::UnboundedReceiver<Value>) {
    let model = Model::from_botocore(&testkit::tool("python"))
        .unwrap_or_else(|e| panic!("{e}; run `bash scripts/tools.sh`"));
    let (tx, events) = mpsc::unbounded_channel();
    let options = Options {
        model: Arc::new(model),
        ffmpeg: ffmpeg(),
        s3,
        events: Arc::new(move |event| drop(tx.send(event))),
        region: testkit::REGION.into(),
        account_id: "123456789012".into(),
        interval_scale,
        token_window,
    };
    let server = Server::start(options, 0)
        .await
        .expect("the stand-in starts");
    let settings = synth::job_settings::render(&synth::job_settings::ABR).expect("render");
    server
        .register_job_template(TEMPLATE, &settings, Naming::MemberNames, Some("SECONDS_60"))
        .expect("the stack's job template registers");
    (server, events)
}

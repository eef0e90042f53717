//! `mediaconvert-local`: the loopback MediaConvert as a process. Prints its endpoint on
//! standard error and each job event as one JSON line on standard output.

use clap::Parser;
use mediaconvert_local::{Options, Server, job_template_from_stack, locate_ffmpeg};
use mediaconvert_model::{Model, Naming};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(about = "A MediaConvert on 127.0.0.1 that transcodes with ffmpeg into AES-128 HLS on S3")]
struct Args {
    /// Port on 127.0.0.1 (0 = a free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// A synthesized stack template: its AWS::MediaConvert::JobTemplate is registered.
    #[arg(long, conflicts_with = "job_template_json")]
    template: Option<PathBuf>,
    /// A JobTemplateSettings JSON file (member names, as in SettingsJson).
    #[arg(long)]
    job_template_json: Option<PathBuf>,
    /// The name jobs use for the template (CloudFormation's Ref); default: the logical id,
    /// or the file's stem.
    #[arg(long)]
    job_template_name: Option<String>,
    /// Python of the pinned tools: finds the MediaConvert model (botocore) and ffmpeg.
    #[arg(long, default_value = ".tools/venv/bin/python")]
    python: PathBuf,
    /// An ffmpeg to use instead of the pinned imageio-ffmpeg one.
    #[arg(long)]
    ffmpeg: Option<PathBuf>,
    /// Multiplies each job's status update interval (1.0 = the job's own).
    #[arg(long, default_value_t = 1.0)]
    interval_scale: f64,
    #[arg(long, default_value = "us-east-1")]
    region: String,
    #[arg(long, default_value = "123456789012")]
    account_id: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("mediaconvert-local: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let ffmpeg = match args.ffmpeg {
        Some(path) if path.is_file() => path,
        Some(path) => return Err(format!("ffmpeg not found at {}", path.display())),
        None => locate_ffmpeg(&args.python)?,
    };
    let model = Model::from_botocore(&args.python)
        .map_err(|e| format!("the MediaConvert model: {e}; run `bash scripts/tools.sh`"))?;
    let template = match (&args.template, &args.job_template_json) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("reading {}: {e}", path.display()))?;
            let (id, settings, interval) = job_template_from_stack(&text)?;
            Some((id, settings, interval))
        }
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("reading {}: {e}", path.display()))?;
            let settings = serde_json::from_str(&text)
                .map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("template");
            Some((stem.to_string(), settings, None))
        }
        (None, None) => None,
    };
    // The environment's region when it has one (AWS_REGION), else --region.
    let region = aws_config::meta::region::RegionProviderChain::default_provider()
        .or_else(aws_config::Region::new(args.region.clone()));
    let shared = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(region)
        .load()
        .await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&shared)
            .force_path_style(true)
            .build(),
    );
    let options = Options {
        model: Arc::new(model),
        ffmpeg,
        s3,
        events: Arc::new(|event| println!("{event}")),
        region: args.region,
        account_id: args.account_id,
        interval_scale: args.interval_scale,
        token_window: mediaconvert_local::TOKEN_WINDOW,
    };
    let server = Server::start(options, args.port).await?;
    if let Some((id, settings, interval)) = template {
        let name = args.job_template_name.unwrap_or(id);
        server.register_job_template(&name, &settings, Naming::MemberNames, interval.as_deref())?;
        eprintln!("mediaconvert-local: job template {name:?} registered");
    }
    // Ctrl-C or SIGTERM: returning drops the runtime, whose dropped jobs kill their ffmpeg
    // (kill_on_drop) and delete their scratch folders, so nothing is left running. Both
    // handlers are in place before the "listening" line: a supervisor may signal right after.
    use tokio::signal::unix::{SignalKind, signal};
    let mut term =
        signal(SignalKind::terminate()).map_err(|e| format!("waiting for SIGTERM: {e}"))?;
    let mut interrupt =
        signal(SignalKind::interrupt()).map_err(|e| format!("waiting for Ctrl-C: {e}"))?;
    eprintln!("mediaconvert-local: listening on {}", server.endpoint());
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = term.recv() => {}
    }
    drop(server);
    Ok(())
}

//! Lambda handlers for the video transcoding pipeline, dependencies running one way (top to
//! bottom):
//! - `entrypoints`: one module per function (create_job, job_state, status_api);
//! - `page` (the front end), `http` (the API's edge and its one `Route`), `store` (one module
//!   per DynamoDB table), `adapters` (S3, MediaConvert), `metrics`;
//! - `config` (the environment, read once) and `domain` (the rules, no I/O).
//!
//! The binaries in `src/bin` only wire an entrypoint to the Lambda runtime.

pub mod adapters;
pub mod config;
pub mod domain;
pub mod entrypoints;
pub mod http;
pub mod metrics;
pub mod page;
pub mod push;
pub mod sdk;
pub mod store;

/// Targets that trace requests and responses in full (bodies, headers, signing material):
/// at debug or trace they would print what the functions send, such as the AES key in
/// CreateJob's settings or the key file's bytes. They are capped at `info` whatever
/// `RUST_LOG` asks for.
pub const CAPPED_TARGETS: [&str; 14] = [
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_smithy_http",
    "aws_smithy_http_client",
    "aws_smithy_types",
    "aws_sdk_dynamodb",
    "aws_sdk_s3",
    "aws_sdk_mediaconvert",
    "aws_sigv4",
    "aws_config",
    "aws_runtime",
    "hyper",
    "hyper_util",
    "h2",
];

/// Further HTTP and TLS plumbing, capped the same way.
pub const CAPPED_TRANSPORT_TARGETS: [&str; 4] =
    ["rustls", "tower", "tokio", "lambda_runtime_api_client"];

/// The log filter: `RUST_LOG` (default `info`), with [`CAPPED_TARGETS`] and
/// [`CAPPED_TRANSPORT_TARGETS`] at most `info`. A directive for a capped target or one inside
/// it (`aws_smithy_runtime::client=trace` would be more specific than the cap, and win) is
/// dropped; the caps then outrank the global level and shorter targets such as `aws=trace`.
pub fn log_filter(rust_log: Option<&str>) -> tracing_subscriber::EnvFilter {
    let mut directives: Vec<String> = rust_log
        .unwrap_or("info")
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty() && !names_capped_target(d))
        .map(str::to_string)
        .collect();
    if directives.is_empty() {
        directives.push("info".into());
    }
    for target in CAPPED_TARGETS.iter().chain(CAPPED_TRANSPORT_TARGETS.iter()) {
        directives.push(format!("{target}=info"));
    }
    tracing_subscriber::EnvFilter::try_new(directives.join(","))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(caps_only()))
}

/// Whether a `RUST_LOG` directive (`target[span{field}]=level`, `target`, or `level`) is about
/// a capped target.
fn names_capped_target(directive: &str) -> bool {
    let target = directive
        .split(['[', '='])
        .next()
        .unwrap_or_default()
        .trim();
    CAPPED_TARGETS
        .iter()
        .chain(CAPPED_TRANSPORT_TARGETS.iter())
        .any(|capped| target.starts_with(capped))
}

fn caps_only() -> String {
    std::iter::once("info".to_string())
        .chain(
            CAPPED_TARGETS
                .iter()
                .chain(CAPPED_TRANSPORT_TARGETS.iter())
                .map(|t| format!("{t}=info")),
        )
        .collect::<Vec<_>>()
        .join(",")
}

/// JSON log lines (one per decision), level from `RUST_LOG` (default `info`) except for the
/// SDK's, HTTP's and signing's own targets, which never log below `info` (see
/// [`CAPPED_TARGETS`]).
pub fn init_logging() {
    let rust_log = std::env::var("RUST_LOG").ok();
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(log_filter(rust_log.as_deref()))
        .with_target(false)
        .with_current_span(false)
        .init();
}

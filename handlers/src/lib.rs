//! Lambda handlers for the video transcoding pipeline: `domain` (pure rules), `store` (the
//! DynamoDB tables), `adapters` (S3, MediaConvert), `entrypoints` (one per trigger),
//! `metrics` (job-state's embedded-metric log lines) and `config`; the binaries in `src/bin` only wire them to the Lambda runtime.

pub mod adapters;
pub mod config;
pub mod domain;
pub mod entrypoints;
pub mod metrics;
pub mod store;

/// JSON log lines (one per decision), level from `RUST_LOG` (default `info`).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_target(false)
        .with_current_span(false)
        .init();
}

//! status-api: HTTP API (payload 2.0) -> the caller's jobs, the latest job of an upload,
//! upload URLs.

use handlers::config::{StatusApiConfig, process_env};
use handlers::entrypoints::StatusApi;
use handlers::sdk::{STATUS_API_TIMEOUTS, load};
use lambda_runtime::{Error, LambdaEvent, service_fn};

// The SDK allocates and frees many small objects per AWS call (headers, strings, boxed
// trait objects); with glibc's allocator that was a tenth of create-job's CPU per upload.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// Lambda hands a process one event at a time: worker threads would only add hand-offs.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    handlers::init_logging();
    let config = StatusApiConfig::load(&process_env())
        .inspect_err(|e| tracing::error!(error = %e, "bad configuration"))?;
    let aws = load(STATUS_API_TIMEOUTS).await;
    let api = StatusApi::new(
        config,
        aws_sdk_dynamodb::Client::new(&aws),
        aws_sdk_s3::Client::new(&aws),
        aws_sdk_mediaconvert::Client::new(&aws),
    );
    let api = &api;
    // The raw event, not lambda_http's Request: see handlers::http.
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            Ok::<_, std::convert::Infallible>(api.handle(event.payload).await)
        },
    ))
    .await
}

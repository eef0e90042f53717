//! status-api: HTTP API (payload 2.0) -> job status, latest job of an upload, upload URLs.

use handlers::config::{StatusApiConfig, process_env};
use handlers::entrypoints::StatusApi;
use lambda_http::{Error, Request, service_fn};

// Lambda hands a process one event at a time: worker threads would only add hand-offs.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    handlers::init_logging();
    let config = StatusApiConfig::load(&process_env())
        .inspect_err(|e| tracing::error!(error = %e, "bad configuration"))?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let api = StatusApi::new(
        config,
        aws_sdk_dynamodb::Client::new(&aws),
        aws_sdk_s3::Client::new(&aws),
    );
    let api = &api;
    lambda_http::run(service_fn(move |request: Request| async move {
        Ok::<_, std::convert::Infallible>(api.handle(request).await)
    }))
    .await
}

//! job-state: EventBridge "MediaConvert Job State Change" -> the job's merged state.

use handlers::config::{JobStateConfig, process_env};
use handlers::entrypoints::JobStateHandler;
use handlers::push::Publisher;
use lambda_runtime::{Error, LambdaEvent, service_fn};

// The SDK allocates and frees many small objects per AWS call (headers, strings, boxed
// trait objects); with glibc's allocator that was a tenth of create-job's CPU per upload.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// Lambda hands a process one event at a time: worker threads would only add hand-offs.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    handlers::init_logging();
    let config = JobStateConfig::load(&process_env())
        .inspect_err(|e| tracing::error!(error = %e, "bad configuration"))?;
    let aws = handlers::sdk::load(handlers::sdk::EVENT_HANDLER_TIMEOUTS).await;
    let region = aws.region().map(|r| r.to_string()).unwrap_or_default();
    let credentials = aws
        .credentials_provider()
        .ok_or("no AWS credentials provider in the environment")?;
    let publisher = Publisher::new(&config.events_publish_url, &region, credentials);
    let handler = JobStateHandler::new(
        config,
        aws_sdk_dynamodb::Client::new(&aws),
        aws_sdk_s3::Client::new(&aws),
    )
    .with_publisher(publisher);
    let handler = &handler;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            handler.handle(event.payload).await.map(|_| ())
        },
    ))
    .await
}

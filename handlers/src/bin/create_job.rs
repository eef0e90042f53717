//! create-job: S3 ObjectCreated on the input bucket -> MediaConvert CreateJob.

use aws_lambda_events::s3::S3Event;
use handlers::config::{CreateJobConfig, process_env};
use handlers::entrypoints::CreateJob;
use lambda_runtime::{Error, LambdaEvent, service_fn};

// The SDK allocates and frees many small objects per AWS call (headers, strings, boxed
// trait objects); with glibc's allocator that was a tenth of create-job's CPU per upload.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// Lambda hands a process one event at a time: worker threads would only add hand-offs.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    handlers::init_logging();
    let config = CreateJobConfig::load(&process_env())
        .inspect_err(|e| tracing::error!(error = %e, "bad configuration"))?;
    let aws = handlers::sdk::load(handlers::sdk::EVENT_HANDLER_TIMEOUTS).await;
    let handler = CreateJob::new(
        config,
        aws_sdk_dynamodb::Client::new(&aws),
        aws_sdk_mediaconvert::Client::new(&aws),
    );
    let handler = &handler;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<S3Event>| async move {
        handler.handle(event.payload).await.map(|_| ())
    }))
    .await
}

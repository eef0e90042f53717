//! One adapter per trigger: turns the trigger's event into domain values, calls the store and
//! the adapters, logs one JSON line per decision (job id and status, never the key value).
//! `create_job` (S3 ObjectCreated), `job_state` (EventBridge's MediaConvert Job State Change)
//! and `status_api` (the HTTP API), each the whole of one function; `src/bin` only hands them
//! to the Lambda runtime.

mod create_job;
mod job_state;
mod status_api;

pub use create_job::{CreateJob, Created};
pub use job_state::{Handled, JobStateHandler};
pub use status_api::{StatusApi, UPLOAD_URL_LIFETIME};

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The user metadata key that carries the job's owner segment from create-job to job-state.
pub const OWNER_METADATA: &str = wiring::metadata::OWNER;

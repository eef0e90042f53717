//! The names and values the stack (`synth`) and the Lambda code (`handlers`) share, kept in
//! one place so that the two crates, which never link to each other, cannot drift apart:
//! each function's environment is a typed struct that synth must fill field by field and
//! handlers reads field by field, so a variable added on one side only does not compile.
//! `docs/wiring.md` is rendered from this crate ([`doc::render`]).

pub mod doc;
pub mod env;
pub mod events;
pub mod owner;

pub use env::{CreateJobEnv, JobStateEnv, StatusApiEnv, Var};

/// The binaries in `handlers/src/bin` (also cargo-lambda's output folders).
pub const CREATE_JOB: &str = "create-job";
pub const JOB_STATE: &str = "job-state";
pub const STATUS_API: &str = "status-api";

/// One Lambda function: its binary, what starts it and the variables it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Function {
    pub binary: &'static str,
    pub trigger: &'static str,
    pub env: &'static [&'static str],
}

pub const FUNCTIONS: [Function; 3] = [
    Function {
        binary: CREATE_JOB,
        trigger: "S3 ObjectCreated on the input bucket, video suffixes (async: DLQ)",
        env: CreateJobEnv::<()>::NAMES,
    },
    Function {
        binary: JOB_STATE,
        trigger: "EventBridge rule \"MediaConvert Job State Change\" of this stack's jobs (async: DLQ)",
        env: JobStateEnv::<()>::NAMES,
    },
    Function {
        binary: STATUS_API,
        trigger: "HTTP API, payload format 2.0",
        env: StatusApiEnv::<()>::NAMES,
    },
];

/// Where cargo-lambda puts a binary's zip; the stack's `Code` points there.
pub fn zip_path(binary: &str) -> String {
    format!("target/lambda/{binary}/bootstrap.zip")
}

/// The prefix under which status-api presigns uploads: its s3:PutObject grant is scoped to
/// it, and status-api reads it from `UPLOAD_PREFIX`.
pub const UPLOAD_PREFIX: &str = "uploads/";

/// The output bucket's prefix the CloudFront distribution serves (its origin path): HLS
/// playlists and segments are written under it, and nothing else is.
pub const PLAYBACK_PREFIX: &str = "hls/";

/// The output bucket's prefix for AES key files: outside [`PLAYBACK_PREFIX`], so the
/// distribution, whose only grant is GetObject under that prefix, can never read a key.
pub const KEY_FILE_PREFIX: &str = "keys/";

/// Upload suffixes that start a job; S3 suffix filters are case-sensitive, and phones name
/// their files `.MOV`/`.MP4`.
pub const VIDEO_SUFFIXES: [&str; 7] = [".mp4", ".mov", ".m4v", ".mkv", ".webm", ".MP4", ".MOV"];

/// The values MediaConvert's `StatusUpdateInterval` enum allows (`SECONDS_<n>`).
pub const STATUS_UPDATE_INTERVALS: [u32; 15] = [
    10, 12, 15, 20, 30, 60, 120, 180, 240, 300, 360, 420, 480, 540, 600,
];

/// The keys of the user metadata create-job sets on each job (never a secret, and never the
/// upload's file name: MediaConvert accepts only letters, digits, space and `_ . : / = + - @`
/// in a value).
pub mod metadata {
    /// The stack's name; the EventBridge rule matches it.
    pub const STACK: &str = "stack";
    /// The product's job id (create-job's client request token, 32 lowercase hex digits):
    /// job-state keys every write by it, never by MediaConvert's own job id.
    pub const JOB: &str = "job";
    /// When create-job submitted the job (epoch milliseconds): job-state's
    /// `SecondsToComplete` metric starts there.
    pub const SUBMITTED_AT: &str = "submittedAt";
    /// The owner segment of the upload's key in its plain form (absent for keys not made by
    /// `POST /uploads`, and for `~` owners, whose `~` MediaConvert refuses in a value: those
    /// are on the job's output item).
    pub const OWNER: &str = "owner";
    /// `true` when the job has an owner that [`OWNER`] cannot carry: job-state then reads it
    /// from the job's output item (and only then, so other events cost no read).
    pub const OWNER_ON_OUTPUT: &str = "ownerOnOutput";
}

/// job-state's CloudWatch embedded-metric-format lines; the stack's `JobsFailed` alarm
/// watches the same namespace, metric and dimension.
pub mod metrics {
    pub const NAMESPACE: &str = "VodProgress";
    pub const STACK_DIMENSION: &str = "Stack";
    pub const ERROR_CODE_DIMENSION: &str = "ErrorCode";
    pub const JOBS_COMPLETED: &str = "JobsCompleted";
    pub const JOBS_FAILED: &str = "JobsFailed";
    pub const SECONDS_TO_COMPLETE: &str = "SecondsToComplete";
    /// Progress events AppSync did not accept (the state was stored; the page polls).
    pub const PUBLISH_FAILURES: &str = "PublishFailures";
}

/// The HTTP API's route keys (status-api dispatches on them).
pub mod routes {
    pub const LIST_JOBS: &str = "GET /jobs";
    pub const GET_JOB: &str = "GET /jobs/{jobId}";
    /// The job's AES key (owner only): the playlists' `#EXT-X-KEY` URI.
    pub const GET_KEY: &str = "GET /jobs/{jobId}/key";
    pub const CREATE_UPLOAD: &str = "POST /uploads";
    /// A multipart upload's further routes (the upload named in the body or query): more
    /// presigned part URLs, the parts S3 holds, complete, abort.
    pub const UPLOAD_PARTS: &str = "POST /uploads/parts";
    pub const HELD_PARTS: &str = "GET /uploads/parts";
    pub const COMPLETE_UPLOAD: &str = "POST /uploads/complete";
    pub const ABORT_UPLOAD: &str = "POST /uploads/abort";
    /// Removes a video (owner only): its job, objects and items.
    pub const DELETE_JOB: &str = "DELETE /jobs/{jobId}";
    /// Stops a job not yet finished (owner only): MediaConvert CancelJob.
    pub const CANCEL_JOB: &str = "POST /jobs/{jobId}/cancel";
    /// The front end (handlers/src/page.rs): no authorizer, the page signs in by itself.
    pub const PAGE: &str = "GET /";
    pub const PAGE_ASSET: &str = "GET /assets/{file}";
}

/// The EventBridge event the job-state rule matches.
pub const MEDIACONVERT_SOURCE: &str = "aws.mediaconvert";
pub const JOB_STATE_CHANGE: &str = "MediaConvert Job State Change";

/// Table key and attribute names both sides use.
pub mod table {
    /// Partition key of the input file table.
    pub const INPUT_FILE: &str = "InputFile";
    /// Partition key of the job output and job status tables.
    pub const JOB_ID: &str = "JobId";
    /// The TTL attribute of every table (epoch seconds).
    pub const TTL_ATTRIBUTE: &str = "ExpirationTime";
    /// When an item was created (epoch seconds); the owner index's sort key.
    pub const CREATION_TIME: &str = "CreationTime";
    /// The owner segment (`uploads/<owner>/...`) on input-file and job-status items.
    pub const OWNER: &str = "Owner";
    /// The input-file table's index of an owner's uploads: partition key [`OWNER`] (S), sort
    /// key [`CREATION_TIME`] (N), all attributes projected.
    pub const OWNER_INDEX: &str = "OwnerIndex";
    /// Partition key of the upload quota table: `<owner>#<UTC yyyy-mm-dd>`.
    pub const QUOTA_KEY: &str = "QuotaKey";
    /// The upload quota table's counter (N).
    pub const UPLOAD_COUNT: &str = "UploadCount";
}

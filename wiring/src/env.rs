//! Each function's environment as a struct with one field per variable. synth builds the
//! struct (every field, or it does not compile) and lists it as `(name, value)` pairs;
//! handlers reads it by name and destructures it, so a new variable must be handled on both
//! sides.

/// One environment variable: its name and what its value is (for docs/wiring.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Var {
    pub name: &'static str,
    pub value: &'static str,
}

pub const INPUT_FILE_TABLE: Var = Var {
    name: "INPUT_FILE_TABLE",
    value: "table `InputFile -> JobId` (latest job of an upload)",
};
pub const JOB_OUTPUT_TABLE: Var = Var {
    name: "JOB_OUTPUT_TABLE",
    value: "table `JobId -> OutputPath, KeyFile, KeyValue`",
};
pub const JOB_STATUS_TABLE: Var = Var {
    name: "JOB_STATUS_TABLE",
    value: "table `JobId -> JobStatus, ProgressRate, ...`",
};
pub const INPUT_BUCKET: Var = Var {
    name: "INPUT_BUCKET",
    value: "input bucket name (presigned PUT)",
};
pub const OUTPUT_BUCKET: Var = Var {
    name: "OUTPUT_BUCKET",
    value: "output bucket name",
};
pub const MEDIACONVERT_ROLE_ARN: Var = Var {
    name: "MEDIACONVERT_ROLE_ARN",
    value: "role MediaConvert assumes for the job",
};
pub const MEDIACONVERT_JOB_TEMPLATE: Var = Var {
    name: "MEDIACONVERT_JOB_TEMPLATE",
    value: "job template name",
};
pub const STATUS_UPDATE_INTERVAL_SECONDS: Var = Var {
    name: "STATUS_UPDATE_INTERVAL_SECONDS",
    value: "one of `STATUS_UPDATE_INTERVALS` (MediaConvert's `SECONDS_<n>`)",
};
pub const TTL_DAYS: Var = Var {
    name: "TTL_DAYS",
    value: "days until `ExpirationTime` (1..=3650)",
};
pub const VIDEO_RETENTION_DAYS: Var = Var {
    name: "VIDEO_RETENTION_DAYS",
    value: "days a finished video's items are kept (0..=3650; 0: until its owner deletes \
            it): the output bucket's `hls/` and `keys/` lifecycle rules use the same count",
};
pub const STACK_NAME: Var = Var {
    name: "STACK_NAME",
    value: "written to the job's user metadata as `stack`; the EventBridge rule matches it",
};
pub const VIDEO_SUFFIXES: Var = Var {
    name: "VIDEO_SUFFIXES",
    value: "comma-separated, e.g. `.mp4,.mov`: the same list the S3 trigger filters on",
};
pub const UPLOAD_PREFIX: Var = Var {
    name: "UPLOAD_PREFIX",
    value: "key prefix of presigned uploads, e.g. `uploads/` (non-empty, ends with `/`, no \
            leading `/`): the prefix status-api's `s3:PutObject` grant is scoped to",
};

pub const MAX_UPLOAD_BYTES: Var = Var {
    name: "MAX_UPLOAD_BYTES",
    value: "largest `size` status-api presigns, bytes (1..=5368709120); signed into the PUT",
};
pub const UPLOADS_PER_USER_PER_DAY: Var = Var {
    name: "UPLOADS_PER_USER_PER_DAY",
    value: "uploads each owner may start per UTC day (1..=100000)",
};
pub const UPLOAD_QUOTA_TABLE: Var = Var {
    name: "UPLOAD_QUOTA_TABLE",
    value: "table `QuotaKey (<owner>#<UTC yyyy-mm-dd>) -> UploadCount`",
};
pub const API_URL: Var = Var {
    name: "API_URL",
    value: "the HTTP API's base URL (`https://<api id>.execute-api.<region>.<suffix>`, no \
            trailing `/`): create-job makes each job's key URL `<API_URL>/jobs/<job id>/key`",
};
pub const PLAYBACK_URL: Var = Var {
    name: "PLAYBACK_URL",
    value: "the playback distribution's base URL (`https://<distribution domain>`): a \
            complete job's `playbackUrl` is `<PLAYBACK_URL>/<job id>/index.m3u8`",
};

pub const SIGN_IN_KIND: Var = Var {
    name: "SIGN_IN_KIND",
    value: "`cognito` (the stack's user pool and its hosted UI) or `oidc` (the stage's `OidcIssuer`)",
};
pub const SIGN_IN_URL: Var = Var {
    name: "SIGN_IN_URL",
    value: "cognito: the hosted UI's base URL (`/oauth2/authorize`, `/oauth2/token`, `/logout`); \
            oidc: the issuer, whose discovery document the page reads",
};
pub const SIGN_IN_CLIENT_ID: Var = Var {
    name: "SIGN_IN_CLIENT_ID",
    value: "OAuth client id the page signs in with (the pool's browser client, or `OidcAudience`)",
};

pub const EVENTS_PUBLISH_URL: Var = Var {
    name: "EVENTS_PUBLISH_URL",
    value: "the Event API's publish endpoint, `https://<Dns.Http>/event`: job-state signs each \
            progress event for it (SigV4, service `appsync`)",
};
pub const EVENTS_HTTP_DOMAIN: Var = Var {
    name: "EVENTS_HTTP_DOMAIN",
    value: "the Event API's HTTP domain (`Dns.Http`): the `host` of the page's auth JSON",
};
pub const EVENTS_REALTIME_URL: Var = Var {
    name: "EVENTS_REALTIME_URL",
    value: "the Event API's WebSocket endpoint, `wss://<Dns.Realtime>/event/realtime`: the page \
            subscribes there, and its CSP `connect-src` admits that origin",
};

/// Every variable, in the order docs/wiring.md lists them.
pub const ALL: [Var; 24] = [
    INPUT_FILE_TABLE,
    JOB_OUTPUT_TABLE,
    JOB_STATUS_TABLE,
    INPUT_BUCKET,
    OUTPUT_BUCKET,
    MEDIACONVERT_ROLE_ARN,
    MEDIACONVERT_JOB_TEMPLATE,
    STATUS_UPDATE_INTERVAL_SECONDS,
    TTL_DAYS,
    VIDEO_RETENTION_DAYS,
    STACK_NAME,
    VIDEO_SUFFIXES,
    UPLOAD_PREFIX,
    MAX_UPLOAD_BYTES,
    UPLOADS_PER_USER_PER_DAY,
    UPLOAD_QUOTA_TABLE,
    API_URL,
    PLAYBACK_URL,
    SIGN_IN_KIND,
    SIGN_IN_URL,
    SIGN_IN_CLIENT_ID,
    EVENTS_PUBLISH_URL,
    EVENTS_HTTP_DOMAIN,
    EVENTS_REALTIME_URL,
];

macro_rules! function_env {
    ($(#[$meta:meta])* $name:ident { $($field:ident: $var:ident),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name<T> {
            $(pub $field: T,)*
        }

        impl<T> $name<T> {
            /// The variables' names, in field order.
            pub const NAMES: &'static [&'static str] = &[$($var.name),*];

            /// `(VARIABLE, value)` for every variable, in field order.
            pub fn into_pairs(self) -> Vec<(&'static str, T)> {
                vec![$(($var.name, self.$field)),*]
            }

            /// Reads every variable through `read`, in field order; the first error stops.
            pub fn read<E>(mut read: impl FnMut(&'static str) -> Result<T, E>) -> Result<Self, E> {
                Ok($name {
                    $($field: read($var.name)?,)*
                })
            }
        }
    };
}

function_env! {
    /// create-job's environment.
    CreateJobEnv {
        input_file_table: INPUT_FILE_TABLE,
        job_output_table: JOB_OUTPUT_TABLE,
        job_status_table: JOB_STATUS_TABLE,
        output_bucket: OUTPUT_BUCKET,
        mediaconvert_role_arn: MEDIACONVERT_ROLE_ARN,
        mediaconvert_job_template: MEDIACONVERT_JOB_TEMPLATE,
        status_update_interval_seconds: STATUS_UPDATE_INTERVAL_SECONDS,
        ttl_days: TTL_DAYS,
        stack_name: STACK_NAME,
        api_url: API_URL,
    }
}

function_env! {
    /// job-state's environment.
    JobStateEnv {
        // A finished video's upload item is kept as long as the video.
        input_file_table: INPUT_FILE_TABLE,
        job_output_table: JOB_OUTPUT_TABLE,
        job_status_table: JOB_STATUS_TABLE,
        output_bucket: OUTPUT_BUCKET,
        ttl_days: TTL_DAYS,
        events_publish_url: EVENTS_PUBLISH_URL,
        video_retention_days: VIDEO_RETENTION_DAYS,
    }
}

function_env! {
    /// status-api's environment.
    StatusApiEnv {
        input_file_table: INPUT_FILE_TABLE,
        job_output_table: JOB_OUTPUT_TABLE,
        job_status_table: JOB_STATUS_TABLE,
        input_bucket: INPUT_BUCKET,
        // Delete removes the video's objects there.
        output_bucket: OUTPUT_BUCKET,
        // How long a delete's tombstone is kept.
        ttl_days: TTL_DAYS,
        video_suffixes: VIDEO_SUFFIXES,
        upload_prefix: UPLOAD_PREFIX,
        max_upload_bytes: MAX_UPLOAD_BYTES,
        uploads_per_user_per_day: UPLOADS_PER_USER_PER_DAY,
        upload_quota_table: UPLOAD_QUOTA_TABLE,
        playback_url: PLAYBACK_URL,
        // The page's settings (handlers/src/page.rs).
        status_update_interval_seconds: STATUS_UPDATE_INTERVAL_SECONDS,
        sign_in_kind: SIGN_IN_KIND,
        sign_in_url: SIGN_IN_URL,
        sign_in_client_id: SIGN_IN_CLIENT_ID,
        events_http_domain: EVENTS_HTTP_DOMAIN,
        events_realtime_url: EVENTS_REALTIME_URL,
    }
}

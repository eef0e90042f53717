//! Configuration, read once at start from the environment (names as docs/wiring.md). A
//! missing or malformed variable stops the start with a message naming it, so a broken
//! deployment fails its first invocation loudly instead of misbehaving later.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// Reads variables through `lookup`, so tests pass a map instead of touching the process
/// environment.
pub struct Vars<F: Fn(&str) -> Option<String>>(pub F);

impl<F: Fn(&str) -> Option<String>> Vars<F> {
    pub fn required(&self, name: &str) -> Result<String, ConfigError> {
        match (self.0)(name) {
            Some(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
            Some(_) => Err(ConfigError(format!("environment variable {name} is empty"))),
            None => Err(ConfigError(format!(
                "environment variable {name} is not set"
            ))),
        }
    }

    fn number(&self, name: &str, allowed: impl Fn(u32) -> bool) -> Result<u32, ConfigError> {
        let raw = self.required(name)?;
        match raw.parse::<u32>() {
            Ok(n) if allowed(n) => Ok(n),
            _ => Err(ConfigError(format!(
                "environment variable {name} has the invalid value {raw:?}"
            ))),
        }
    }

    pub fn ttl_days(&self) -> Result<u32, ConfigError> {
        self.number("TTL_DAYS", |n| (1..=3650).contains(&n))
    }
}

pub fn process_env() -> Vars<impl Fn(&str) -> Option<String>> {
    Vars(|name: &str| std::env::var(name).ok())
}

/// MediaConvert accepts only these intervals (`StatusUpdateInterval` SECONDS_n).
pub const STATUS_UPDATE_INTERVALS: [u32; 15] = [
    10, 12, 15, 20, 30, 60, 120, 180, 240, 300, 360, 420, 480, 540, 600,
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateJobConfig {
    pub input_file_table: String,
    pub job_output_table: String,
    pub job_status_table: String,
    pub output_bucket: String,
    pub mediaconvert_role_arn: String,
    pub mediaconvert_job_template: String,
    pub status_update_interval_seconds: u32,
    pub ttl_days: u32,
    pub stack_name: String,
}

impl CreateJobConfig {
    pub fn load<F: Fn(&str) -> Option<String>>(v: &Vars<F>) -> Result<Self, ConfigError> {
        Ok(CreateJobConfig {
            input_file_table: v.required("INPUT_FILE_TABLE")?,
            job_output_table: v.required("JOB_OUTPUT_TABLE")?,
            job_status_table: v.required("JOB_STATUS_TABLE")?,
            output_bucket: v.required("OUTPUT_BUCKET")?,
            mediaconvert_role_arn: v.required("MEDIACONVERT_ROLE_ARN")?,
            mediaconvert_job_template: v.required("MEDIACONVERT_JOB_TEMPLATE")?,
            status_update_interval_seconds: v.number("STATUS_UPDATE_INTERVAL_SECONDS", |n| {
                STATUS_UPDATE_INTERVALS.contains(&n)
            })?,
            ttl_days: v.ttl_days()?,
            stack_name: v.required("STACK_NAME")?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobStateConfig {
    pub job_output_table: String,
    pub job_status_table: String,
    pub output_bucket: String,
    pub ttl_days: u32,
}

impl JobStateConfig {
    pub fn load<F: Fn(&str) -> Option<String>>(v: &Vars<F>) -> Result<Self, ConfigError> {
        Ok(JobStateConfig {
            job_output_table: v.required("JOB_OUTPUT_TABLE")?,
            job_status_table: v.required("JOB_STATUS_TABLE")?,
            output_bucket: v.required("OUTPUT_BUCKET")?,
            ttl_days: v.ttl_days()?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusApiConfig {
    pub input_file_table: String,
    pub job_status_table: String,
    pub input_bucket: String,
    pub video_suffixes: Vec<String>,
    /// Where uploads go in the input bucket; the stack scopes the function's s3:PutObject
    /// grant to the same prefix, so a URL outside it would be refused by S3.
    pub upload_prefix: String,
}

impl StatusApiConfig {
    pub fn load<F: Fn(&str) -> Option<String>>(v: &Vars<F>) -> Result<Self, ConfigError> {
        let raw = v.required("VIDEO_SUFFIXES")?;
        let video_suffixes: Vec<String> = raw
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if video_suffixes.is_empty() || video_suffixes.iter().any(|s| !s.starts_with('.')) {
            return Err(ConfigError(format!(
                "environment variable VIDEO_SUFFIXES has the invalid value {raw:?}: \
                 expected a comma-separated list like .mp4,.mov"
            )));
        }
        Ok(StatusApiConfig {
            input_file_table: v.required("INPUT_FILE_TABLE")?,
            job_status_table: v.required("JOB_STATUS_TABLE")?,
            input_bucket: v.required("INPUT_BUCKET")?,
            video_suffixes,
            upload_prefix: upload_prefix(v)?,
        })
    }
}

/// A folder-like key prefix: `uploads/`, not `/uploads/` (S3 keys have no leading slash, so
/// that would be an empty first folder) nor `uploads` (keys would run into the token).
fn upload_prefix<F: Fn(&str) -> Option<String>>(v: &Vars<F>) -> Result<String, ConfigError> {
    let prefix = v.required("UPLOAD_PREFIX")?;
    if !prefix.ends_with('/') || prefix.starts_with('/') {
        return Err(ConfigError(format!(
            "environment variable UPLOAD_PREFIX has the invalid value {prefix:?}: expected a \
             key prefix like uploads/ (ending with '/', not starting with it)"
        )));
    }
    Ok(prefix)
}

//! Configuration, read once at start from the environment (the `wiring` crate's structs name
//! the variables, so the stack cannot leave one out). A
//! missing or malformed variable stops the start with a message naming it, so a broken
//! deployment fails its first invocation loudly instead of misbehaving later.

use serde::Serialize;
use std::fmt;
use wiring::env::{MAX_UPLOAD_BYTES, UPLOADS_PER_USER_PER_DAY};
use wiring::{CreateJobEnv, JobStateEnv, StatusApiEnv};

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
}

fn number(name: &str, raw: String, allowed: impl Fn(u32) -> bool) -> Result<u32, ConfigError> {
    let n = number_u64(name, raw, |n| u32::try_from(n).is_ok_and(&allowed))?;
    Ok(n as u32)
}

fn number_u64(name: &str, raw: String, allowed: impl Fn(u64) -> bool) -> Result<u64, ConfigError> {
    match raw.parse::<u64>() {
        Ok(n) if allowed(n) => Ok(n),
        _ => Err(ConfigError(format!(
            "environment variable {name} has the invalid value {raw:?}"
        ))),
    }
}

fn ttl_days(raw: String) -> Result<u32, ConfigError> {
    number(wiring::env::TTL_DAYS.name, raw, |n| (1..=3650).contains(&n))
}

fn status_update_interval(raw: String) -> Result<u32, ConfigError> {
    number(wiring::env::STATUS_UPDATE_INTERVAL_SECONDS.name, raw, |n| {
        STATUS_UPDATE_INTERVALS.contains(&n)
    })
}

pub fn process_env() -> Vars<impl Fn(&str) -> Option<String>> {
    Vars(|name: &str| std::env::var(name).ok())
}

/// MediaConvert accepts only these intervals (`StatusUpdateInterval` SECONDS_n).
pub use wiring::STATUS_UPDATE_INTERVALS;

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
    /// The HTTP API's base URL, without a trailing `/`: each job's key URL starts with it.
    pub api_url: String,
}

impl CreateJobConfig {
    /// The environment is destructured field by field (here and in the other `load`s) so that
    /// a variable added to the `wiring` crate fails to compile until it is read here.
    pub fn load<F: Fn(&str) -> Option<String>>(v: &Vars<F>) -> Result<Self, ConfigError> {
        let CreateJobEnv {
            input_file_table,
            job_output_table,
            job_status_table,
            output_bucket,
            mediaconvert_role_arn,
            mediaconvert_job_template,
            status_update_interval_seconds,
            ttl_days: ttl,
            stack_name,
            api_url,
        } = CreateJobEnv::read(|name| v.required(name))?;
        Ok(CreateJobConfig {
            input_file_table,
            job_output_table,
            job_status_table,
            output_bucket,
            mediaconvert_role_arn,
            mediaconvert_job_template,
            status_update_interval_seconds: status_update_interval(status_update_interval_seconds)?,
            ttl_days: ttl_days(ttl)?,
            stack_name,
            api_url: base_url(wiring::env::API_URL.name, api_url)?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobStateConfig {
    pub input_file_table: String,
    pub job_output_table: String,
    pub job_status_table: String,
    pub output_bucket: String,
    pub ttl_days: u32,
    /// `https://<Dns.Http>/event` (`http` on loopback, the local stand-in).
    pub events_publish_url: String,
    /// Days a finished video's items are kept; 0: until its owner deletes it.
    pub video_retention_days: u32,
}

impl JobStateConfig {
    pub fn load<F: Fn(&str) -> Option<String>>(v: &Vars<F>) -> Result<Self, ConfigError> {
        let JobStateEnv {
            input_file_table,
            job_output_table,
            job_status_table,
            output_bucket,
            ttl_days: ttl,
            events_publish_url,
            video_retention_days: video,
        } = JobStateEnv::read(|name| v.required(name))?;
        Ok(JobStateConfig {
            input_file_table,
            job_output_table,
            job_status_table,
            output_bucket,
            ttl_days: ttl_days(ttl)?,
            events_publish_url: publish_url(events_publish_url)?,
            video_retention_days: number(wiring::env::VIDEO_RETENTION_DAYS.name, video, |n| {
                n <= 3650
            })?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusApiConfig {
    pub input_file_table: String,
    /// Read for the key endpoint only.
    pub job_output_table: String,
    pub job_status_table: String,
    pub input_bucket: String,
    /// Where a video's HLS and key files are (deleted with it).
    pub output_bucket: String,
    /// Days a delete's tombstone stays.
    pub ttl_days: u32,
    pub video_suffixes: Vec<String>,
    /// Where uploads go in the input bucket; the stack scopes the function's s3:PutObject
    /// grant to the same prefix, so a URL outside it would be refused by S3.
    pub upload_prefix: String,
    /// The largest upload the presigned PUT accepts (its signed content-length).
    pub max_upload_bytes: u64,
    /// Uploads per user per UTC day, counted in `upload_quota_table`.
    pub uploads_per_user_per_day: u32,
    pub upload_quota_table: String,
    /// The playback distribution's base URL, without a trailing `/`.
    pub playback_url: String,
    /// The front end's settings (`GET /`).
    pub page: PageConfig,
}

impl StatusApiConfig {
    pub fn load<F: Fn(&str) -> Option<String>>(v: &Vars<F>) -> Result<Self, ConfigError> {
        let StatusApiEnv {
            input_file_table,
            job_output_table,
            job_status_table,
            input_bucket,
            output_bucket,
            ttl_days: ttl,
            video_suffixes: raw,
            upload_prefix: prefix,
            max_upload_bytes,
            uploads_per_user_per_day,
            upload_quota_table,
            playback_url,
            status_update_interval_seconds,
            sign_in_kind,
            sign_in_url,
            sign_in_client_id,
            events_http_domain,
            events_realtime_url,
        } = StatusApiEnv::read(|name| v.required(name))?;
        let video_suffixes: Vec<String> = raw
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        // Every suffix needs a video content type to sign into the upload URL.
        if video_suffixes.is_empty()
            || video_suffixes.iter().any(|s| {
                !s.starts_with('.') || crate::domain::upload::content_type_for(s).is_none()
            })
        {
            return Err(ConfigError(format!(
                "environment variable VIDEO_SUFFIXES has the invalid value {raw:?}: \
                 expected a comma-separated list like .mp4,.mov of video suffixes"
            )));
        }
        let max_upload_bytes = number_u64(
            MAX_UPLOAD_BYTES.name,
            max_upload_bytes,
            crate::domain::upload::valid_max_upload_bytes,
        )?;
        let playback_url = base_url(wiring::env::PLAYBACK_URL.name, playback_url)?;
        let mut page = PageConfig::new(
            &sign_in_kind,
            sign_in_url,
            sign_in_client_id,
            status_update_interval(status_update_interval_seconds)?,
            max_upload_bytes,
            playback_url.clone(),
            video_suffixes.clone(),
        )?;
        page.push = Some(PushEndpoints::new(events_http_domain, events_realtime_url)?);
        Ok(StatusApiConfig {
            input_file_table,
            job_output_table,
            job_status_table,
            input_bucket,
            output_bucket,
            ttl_days: ttl_days(ttl)?,
            video_suffixes,
            upload_prefix: upload_prefix(prefix)?,
            max_upload_bytes,
            uploads_per_user_per_day: number(
                UPLOADS_PER_USER_PER_DAY.name,
                uploads_per_user_per_day,
                |n| (1..=100_000).contains(&n),
            )?,
            upload_quota_table,
            playback_url,
            page,
        })
    }
}

/// How the page signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SignInKind {
    /// The stack's user pool: its hosted UI's `/oauth2/authorize`, `/oauth2/token`, `/logout`.
    Cognito,
    /// Another OIDC provider: the page reads `<issuer>/.well-known/openid-configuration`.
    Oidc,
}

/// What the page needs from status-api's environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageConfig {
    pub sign_in_kind: SignInKind,
    /// The hosted UI's base URL or the issuer, without a trailing `/`.
    pub sign_in_url: String,
    pub client_id: String,
    pub status_interval_seconds: u32,
    pub max_upload_bytes: u64,
    /// Base URL of the playlists, without a trailing `/`.
    pub playback_url: String,
    pub video_suffixes: Vec<String>,
    /// Where the page subscribes to pushed progress; `None`: it polls only.
    pub push: Option<PushEndpoints>,
}

/// The Event API's endpoints as the page uses them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushEndpoints {
    /// `Dns.Http` (`host[:port]`): the `host` of the page's auth JSON.
    pub http_domain: String,
    /// `wss://<Dns.Realtime>/event/realtime` (`ws` on loopback).
    pub realtime_url: String,
}

impl PushEndpoints {
    pub fn new(http_domain: String, realtime_url: String) -> Result<Self, ConfigError> {
        let plain_host = |h: &str| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:".contains(&b))
        };
        if !plain_host(&http_domain) {
            return Err(ConfigError(format!(
                "environment variable {} has the invalid value {http_domain:?}: expected a \
                 domain name like abc.appsync-api.us-east-1.amazonaws.com",
                wiring::env::EVENTS_HTTP_DOMAIN.name
            )));
        }
        realtime_origin(&realtime_url).map_err(|why| {
            ConfigError(format!(
                "environment variable {} has the invalid value {realtime_url:?}: {why}",
                wiring::env::EVENTS_REALTIME_URL.name
            ))
        })?;
        Ok(PushEndpoints {
            http_domain,
            realtime_url,
        })
    }

    /// The origin the page's CSP `connect-src` admits for the socket.
    pub fn realtime_origin(&self) -> String {
        realtime_origin(&self.realtime_url).expect("checked by PushEndpoints::new")
    }
}

/// `wss://host[:port]` of the realtime URL (`ws` only on loopback), whose path must be
/// AppSync's `/event/realtime`.
fn realtime_origin(url: &str) -> Result<String, String> {
    let (secure, rest) = if let Some(rest) = url.strip_prefix("wss://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("ws://") {
        (false, rest)
    } else {
        return Err("expected wss://<domain>/event/realtime".into());
    };
    let as_http = format!("{}://{rest}", if secure { "https" } else { "http" });
    let origin = origin(&as_http)?;
    let path = &rest[rest.find('/').unwrap_or(rest.len())..];
    if path != "/event/realtime" {
        return Err("expected the path /event/realtime".into());
    }
    let authority = origin.split_once("://").map(|(_, a)| a).unwrap_or_default();
    Ok(format!(
        "{}://{authority}",
        if secure { "wss" } else { "ws" }
    ))
}

/// `EVENTS_PUBLISH_URL`: an https URL (http on loopback) whose path is `/event`.
fn publish_url(raw: String) -> Result<String, ConfigError> {
    let name = wiring::env::EVENTS_PUBLISH_URL.name;
    let bad = |why: &str| {
        ConfigError(format!(
            "environment variable {name} has the invalid value {raw:?}: {why}"
        ))
    };
    origin(&raw).map_err(|why| bad(&why))?;
    let rest = raw.split_once("://").map(|(_, r)| r).unwrap_or_default();
    if &rest[rest.find('/').unwrap_or(rest.len())..] != "/event" {
        return Err(bad("expected https://<domain>/event"));
    }
    Ok(raw)
}

impl PageConfig {
    /// Checks the values that end up in the page's Content-Security-Policy and links: each URL
    /// must be an `https` URL (or `http` on loopback, the local stack) whose origin is plain.
    pub fn new(
        sign_in_kind: &str,
        sign_in_url: String,
        client_id: String,
        status_interval_seconds: u32,
        max_upload_bytes: u64,
        playback_url: String,
        video_suffixes: Vec<String>,
    ) -> Result<Self, ConfigError> {
        let sign_in_kind = match sign_in_kind {
            "cognito" => SignInKind::Cognito,
            "oidc" => SignInKind::Oidc,
            other => {
                return Err(ConfigError(format!(
                    "environment variable {} has the invalid value {other:?}: expected cognito \
                     or oidc",
                    wiring::env::SIGN_IN_KIND.name
                )));
            }
        };
        let url = |name: &str, value: String| {
            origin(&value)
                .map(|_| value.trim_end_matches('/').to_string())
                .map_err(|why| {
                    ConfigError(format!(
                        "environment variable {name} has the invalid value {value:?}: {why}"
                    ))
                })
        };
        if client_id.is_empty()
            || !client_id
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'<')
        {
            return Err(ConfigError(format!(
                "environment variable {} has the invalid value {client_id:?}: expected an \
                 OAuth client id",
                wiring::env::SIGN_IN_CLIENT_ID.name
            )));
        }
        Ok(PageConfig {
            sign_in_kind,
            sign_in_url: url(wiring::env::SIGN_IN_URL.name, sign_in_url)?,
            client_id,
            status_interval_seconds,
            max_upload_bytes,
            playback_url: url(wiring::env::PLAYBACK_URL.name, playback_url)?,
            video_suffixes,
            push: None,
        })
    }
}

/// `scheme://host[:port]` of an absolute URL, or why it is not one the page may name.
pub fn origin(url: &str) -> Result<String, String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or("expected an absolute URL like https://example.com")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
            if !port.is_empty() && !port.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("the port {port:?} is not a number"));
            }
            host
        }
        _ => authority,
    };
    if host.is_empty()
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.[]:".contains(&b))
    {
        return Err(format!("the host {host:?} is not a plain host name"));
    }
    let loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
    match scheme {
        "https" => {}
        "http" if loopback => {}
        _ => return Err("expected https (http only on loopback)".into()),
    }
    Ok(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

/// An absolute http(s) base URL that other paths are appended to: without a trailing `/`
/// (one is dropped), so `<base>/jobs/...` never holds `//`. Plain http is for the local
/// stack on loopback; the stack sets https.
fn base_url(name: &str, raw: String) -> Result<String, ConfigError> {
    let url = raw.trim_end_matches('/');
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or_default();
    if host.is_empty() || host.contains(|c: char| c.is_whitespace() || matches!(c, '?' | '#')) {
        return Err(ConfigError(format!(
            "environment variable {name} has the invalid value {raw:?}: expected an absolute \
             URL like https://example.com, without a query or fragment"
        )));
    }
    Ok(url.to_string())
}

/// A folder-like key prefix: `uploads/`, not `/uploads/` (S3 keys have no leading slash, so
/// that would be an empty first folder) nor `uploads` (keys would run into the token).
fn upload_prefix(prefix: String) -> Result<String, ConfigError> {
    if !prefix.ends_with('/') || prefix.starts_with('/') {
        return Err(ConfigError(format!(
            "environment variable UPLOAD_PREFIX has the invalid value {prefix:?}: expected a \
             key prefix like uploads/ (ending with '/', not starting with it)"
        )));
    }
    Ok(prefix)
}

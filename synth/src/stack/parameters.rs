//! The stack's parameters: what a stage chooses at deploy time, with the bounds
//! CloudFormation checks before any change is made.

use crate::constructs::FunctionProps;
use crate::model::{Id, Parameter, Template};
use wiring::STATUS_UPDATE_INTERVALS;

/// The retention values CloudWatch Logs accepts.
pub const LOG_RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Default of `MaxUploadBytes`: 8 GiB (docs/deploy.md says why).
pub const DEFAULT_MAX_UPLOAD_BYTES: i64 = 8 << 30;
/// The largest object a multipart upload makes, the upper bound of `MaxUploadBytes`: S3's
/// 10,000 parts of at most 5 GiB (48.8 TiB, S3's documented object limit).
pub const S3_MULTIPART_LIMIT_BYTES: i64 = 10_000 * (5 << 30);

pub(super) struct Parameters {
    pub(super) stage: Id,
    pub(super) status_update_interval: Id,
    pub(super) ttl_days: Id,
    pub(super) allowed_origins: Id,
    pub(super) log_retention: Id,
    pub(super) architecture: Id,
    pub(super) max_upload_bytes: Id,
    pub(super) uploads_per_user_per_day: Id,
    pub(super) input_retention_days: Id,
    pub(super) video_retention_days: Id,
    pub(super) self_sign_up: Id,
    pub(super) oidc_issuer: Id,
    pub(super) oidc_audience: Id,
}

pub(super) fn parameters(t: &mut Template) -> Parameters {
    Parameters {
        stage: t.parameter(
            "Stage",
            Parameter::string("Stage name (dev, prod, ...); part of the input bucket's name.")
                .pattern(
                    "^[a-z][a-z0-9-]{0,15}$",
                    "lower-case letters, digits and hyphens, starting with a letter, at most 16",
                ),
        ),
        status_update_interval: t.parameter(
            "StatusUpdateIntervalSeconds",
            Parameter::number("Seconds between MediaConvert STATUS_UPDATE events (progress).")
                .default(15)
                .allowed(&STATUS_UPDATE_INTERVALS),
        ),
        ttl_days: t.parameter(
            "TtlDays",
            Parameter::number("Days until the tables' items expire (ExpirationTime).")
                .default(1)
                .range(1, 3650),
        ),
        allowed_origins: t.parameter(
            "AllowedOrigins",
            Parameter::comma_delimited_list(
                "Browser origins allowed to call the API and to upload (CORS), comma-separated.",
            ),
        ),
        log_retention: t.parameter(
            "LogRetentionDays",
            Parameter::number("Retention of the functions' and the API's log groups, in days.")
                .default(365)
                .allowed(&LOG_RETENTION_DAYS),
        ),
        architecture: t.parameter(
            "LambdaArchitecture",
            Parameter::string("Instruction set of the Lambda binaries.")
                .default("arm64")
                .allowed(&["arm64", "x86_64"]),
        ),
        max_upload_bytes: t.parameter(
            "MaxUploadBytes",
            Parameter::number(
                "Largest upload status-api accepts, in bytes (every part's length is signed). \
                 Default 8 GiB: twice a long phone video (an hour of 1080p at 10 Mbit/s is \
                 4.4 GiB), which resumable multipart uploads make practical; at most S3's \
                 48.8 TiB object limit. Each upload is one MediaConvert job, so the default \
                 also bounds what one upload can cost.",
            )
            .default(DEFAULT_MAX_UPLOAD_BYTES)
            .range(1, S3_MULTIPART_LIMIT_BYTES),
        ),
        uploads_per_user_per_day: t.parameter(
            "UploadsPerUserPerDay",
            Parameter::number(
                "Uploads (and so MediaConvert jobs) each user may start per UTC day.",
            )
            .default(20)
            .range(1, 10000),
        ),
        input_retention_days: t.parameter(
            "InputRetentionDays",
            Parameter::number("Days until uploaded videos expire from the input bucket.")
                .default(7)
                .range(1, 3650),
        ),
        video_retention_days: t.parameter(
            "VideoRetentionDays",
            Parameter::number(
                "Days a finished video (its items, hls/<job>/ and keys/<job>/) is kept; 0: until \
                 its owner deletes it.",
            )
            .default(0)
            .range(0, 3650),
        ),
        self_sign_up: t.parameter(
            "SelfSignUp",
            Parameter::string(
                "true: anyone may create an account in the hosted UI; false: only an \
                 administrator adds users (the README's AWS CLI steps).",
            )
            .default("false")
            .allowed(&["false", "true"]),
        ),
        oidc_issuer: t.parameter(
            "OidcIssuer",
            Parameter::string(
                "Issuer URL of an existing OIDC provider whose tokens the API accepts; empty: \
                 the stack creates a Cognito user pool instead.",
            )
            .default("")
            .pattern("^(https://[^\\s,]+)?$", "empty, or an https:// URL"),
        ),
        oidc_audience: t.parameter(
            "OidcAudience",
            Parameter::string(
                "Audience (client id) the OIDC provider's tokens must carry; used only with \
                 OidcIssuer.",
            )
            .default("")
            .pattern("^[^\\s,]*$", "one audience, no spaces or commas"),
        ),
    }
}

impl Parameters {
    /// A function of the stack: the architecture and log retention the stage chose.
    pub(super) fn function<'a>(
        &self,
        binary: &'a str,
        timeout_seconds: i64,
        asynchronous: bool,
    ) -> FunctionProps<'a> {
        FunctionProps {
            binary,
            memory_mb: 256,
            timeout_seconds,
            architecture: self.architecture.r(),
            log_retention_days: self.log_retention.r(),
            asynchronous,
        }
    }
}

//! The application: every resource of the video-transcoding stack and how they are wired,
//! top to bottom in the order data flows (upload -> job -> events -> status API).
//!
//! Names shared with the Lambda code (binaries, environment variables, user metadata, table
//! keys) come from the `wiring` crate (docs/wiring.md is rendered from it).

use crate::constructs::bucket::BucketOptions;
use crate::constructs::cdn::DistributionOptions;
use crate::constructs::cognito::UserPoolOptions;
use crate::constructs::http_api::{HttpApiProps, JwtProps};
use crate::constructs::{
    Alarms, Bucket, Distribution, EventRule, Function, FunctionProps, HttpApi, JobTemplate,
    MediaConvertRole, Table, Topic, UserPool,
};
use crate::job_settings;
use crate::model::{Expr, Id, Parameter, Pseudo, Template};

use wiring::{CreateJobEnv, JobStateEnv, StatusApiEnv, metadata, table};
pub use wiring::{
    KEY_FILE_PREFIX, PLAYBACK_PREFIX, STATUS_UPDATE_INTERVALS, UPLOAD_PREFIX, VIDEO_SUFFIXES,
};

/// The retention values CloudWatch Logs accepts.
pub const LOG_RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// API throttling for every route of the `$default` stage.
const API_BURST_LIMIT: i64 = 50;
const API_RATE_LIMIT: f64 = 20.0;

/// The route that presigns uploads: each call may bring a file of up to `MaxUploadBytes` and
/// a MediaConvert job, so it has its own, lower throttle. API Gateway counts it per stage
/// and route, across all callers: 1 request/s sustained (86,400 uploads a day, far above
/// what a team uploads, far below what a script would try) with bursts of 5 (a user
/// dropping several files at once). The per-user daily quota is the finer limit.
pub const UPLOAD_ROUTE: &str = wiring::routes::CREATE_UPLOAD;
pub const UPLOAD_ROUTE_BURST_LIMIT: i64 = 5;
pub const UPLOAD_ROUTE_RATE_LIMIT: f64 = 1.0;

/// The data routes of the HTTP API, all behind the JWT authorizer.
pub const API_ROUTES: [&str; 4] = [
    wiring::routes::LIST_JOBS,
    wiring::routes::GET_JOB,
    wiring::routes::GET_KEY,
    UPLOAD_ROUTE,
];

/// The front end's routes: public, status-api serves the page and its assets.
pub const PAGE_ROUTES: [&str; 2] = [wiring::routes::PAGE, wiring::routes::PAGE_ASSET];

/// The HTTP API's logical id. The page is served from the API's own URL, so the input
/// bucket's and the distribution's CORS and the sign-in client's redirect URLs name that URL
/// before the API is added (none of them is something the API depends on: no cycle).
const HTTP_API: &str = "HttpApi";

/// Default of `MaxUploadBytes`: 1 GiB.
pub const DEFAULT_MAX_UPLOAD_BYTES: i64 = 1 << 30;
/// S3's limit for one PUT, the upper bound of `MaxUploadBytes`: the upload is a single
/// presigned PUT.
pub const S3_SINGLE_PUT_LIMIT_BYTES: i64 = 5 << 30;

/// The input-file table's index of an owner's uploads, newest first, and the quota table's
/// key: status-api queries and writes them under the same names.
pub use wiring::table::{
    CREATION_TIME as CREATION_TIME_ATTRIBUTE, OWNER as OWNER_ATTRIBUTE, OWNER_INDEX, QUOTA_KEY,
};

/// Literal part of the hosted UI's domain prefix (the rest is the stack's unique id, lower
/// case hex and hyphens). Cognito refuses prefixes containing `aws`, `amazon` or `cognito`.
pub const HOSTED_UI_PREFIX: &str = "signin-";

struct Parameters {
    stage: Id,
    status_update_interval: Id,
    ttl_days: Id,
    allowed_origins: Id,
    log_retention: Id,
    architecture: Id,
    max_upload_bytes: Id,
    uploads_per_user_per_day: Id,
    input_retention_days: Id,
    self_sign_up: Id,
    oidc_issuer: Id,
    oidc_audience: Id,
}

struct Conditions {
    /// No external issuer given: the stack creates a Cognito user pool.
    create_user_pool: Id,
    allow_self_sign_up: Id,
}

fn conditions(t: &mut Template, p: &Parameters) -> Conditions {
    Conditions {
        create_user_pool: t.condition("CreateUserPool", Expr::equals(p.oidc_issuer.r(), "".into())),
        allow_self_sign_up: t.condition(
            "AllowSelfSignUp",
            Expr::equals(p.self_sign_up.r(), "true".into()),
        ),
    }
}

fn parameters(t: &mut Template) -> Parameters {
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
                "Largest upload status-api presigns, in bytes (signed into the PUT). Default \
                 1 GiB: about 14 minutes of 1080p phone video, and a single PUT that a home \
                 uplink finishes in minutes; S3's 5 GiB single-PUT limit would let one URL \
                 take an hour with no resume and multiply what each upload and job can cost.",
            )
            .default(DEFAULT_MAX_UPLOAD_BYTES)
            .range(1, S3_SINGLE_PUT_LIMIT_BYTES),
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
    fn function<'a>(
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

/// The input bucket's name, fixed before the bucket exists (see `Bucket::notify_function`):
/// `<stage>-input-<stack uuid>`. Stack names may hold upper case, which S3 forbids, so the name
/// uses the lower-case stage and the unique id CloudFormation gives each stack (the last part of
/// `AWS::StackId`), which keeps stages and stacks sharing an account apart. At most 59 chars.
fn input_bucket_name(stage: &Id) -> Expr {
    Expr::join("-", vec![stage.r(), "input".into(), stack_uuid()])
}

/// The unique id CloudFormation gives each stack: lower-case hex and hyphens, 36 chars.
fn stack_uuid() -> Expr {
    Expr::select(2, Expr::split("/", Expr::pseudo(Pseudo::StackId)))
}

/// The whole stack.
pub fn stack() -> Template {
    let mut t = Template::new(
        "Video transcoding with live progress: S3 upload -> MediaConvert (HLS, AES-128) -> \
         EventBridge -> DynamoDB, and an HTTP API for uploads and job status.",
    );
    let p = parameters(&mut t);
    let c = conditions(&mut t, &p);
    // Half an OIDC configuration would deploy an API that refuses every token, or silently
    // ignore the audience: refuse it before anything changes.
    let empty = |id: &Id| Expr::equals(id.r(), "".into());
    t.rule(
        "OidcIssuerNeedsAudience",
        Some(!empty(&p.oidc_issuer)),
        !empty(&p.oidc_audience),
        "OidcAudience is required with OidcIssuer: the client id the provider's tokens carry",
    );
    t.rule(
        "OidcAudienceNeedsIssuer",
        Some(!empty(&p.oidc_audience)),
        !empty(&p.oidc_issuer),
        "OidcAudience is used only with OidcIssuer: set both, or neither for the stack's own \
         Cognito pool",
    );

    // 0. Both buckets' server access logs, kept as long as the other logs.
    let access_logs = Bucket::new(
        &mut t,
        "AccessLogBucket",
        BucketOptions {
            name: None,
            upload_origins: None,
            access_logs: None,
            expire_after_days: Some(p.log_retention.r()),
            expire_prefix_after_days: None,
        },
    );

    // The page's origin (the API's URL) beside the stage's own front-end origins.
    let api_url = HttpApi::url_of(HTTP_API);
    let browser_origins = Expr::split(
        ",",
        Expr::join(
            ",",
            vec![Expr::join_list(",", p.allowed_origins.r()), api_url],
        ),
    );

    // 1. Uploads land in the input bucket (presigned PUTs from the browser).
    let input = Bucket::new(
        &mut t,
        "InputBucket",
        BucketOptions {
            name: Some(input_bucket_name(&p.stage)),
            upload_origins: Some(browser_origins.clone()),
            access_logs: Some(&access_logs),
            expire_after_days: None,
            // Uploads are inputs only: once transcoded (or not), they go.
            expire_prefix_after_days: Some((UPLOAD_PREFIX, p.input_retention_days.r())),
        },
    );

    // 2. Each new video under the upload prefix starts a MediaConvert job.
    let mut create_job = Function::new(
        &mut t,
        "CreateJob",
        p.function(wiring::CREATE_JOB, 30, true),
    );
    input.notify_function(&mut t, &create_job, UPLOAD_PREFIX, &VIDEO_SUFFIXES);

    // 3. MediaConvert reads the upload and writes HLS, its ladder chosen per upload
    //    (automated ABR, never above the upload's resolution).
    let mut mediaconvert_role = MediaConvertRole::new(&mut t, "MediaConvertRole");
    let settings = job_settings::render(&job_settings::ABR)
        .expect("the embedded job-template settings render to JSON");
    let job_template = JobTemplate::new(
        &mut t,
        "JobTemplate",
        "HLS, automated ABR up to 1080p (never above the input), H.264 QVBR + AAC",
        settings,
        Expr::sub_with(
            "SECONDS_${Interval}",
            vec![("Interval", p.status_update_interval.r())],
        ),
    );
    job_template.grant_create_job(&mut create_job, &mediaconvert_role);
    input.grant_read_objects(&mut mediaconvert_role, UPLOAD_PREFIX);

    // 4. ... into the output bucket.
    let output = Bucket::new(
        &mut t,
        "OutputBucket",
        BucketOptions {
            name: None,
            upload_origins: None,
            access_logs: Some(&access_logs),
            expire_after_days: None,
            expire_prefix_after_days: None,
        },
    );
    // MediaConvert writes playlists and segments, under the served prefix only.
    output.grant_put(&mut mediaconvert_role, PLAYBACK_PREFIX);

    // 4b. Browsers fetch playlists and segments through CloudFront, which may read the HLS
    // prefix only: key files live under another prefix it cannot read.
    let playback = Distribution::new(
        &mut t,
        "PlaybackDistribution",
        DistributionOptions {
            name_suffix: stack_uuid(),
            bucket: &output,
            prefix: PLAYBACK_PREFIX,
            allowed_origins: browser_origins.clone(),
        },
    );
    // Every grant to the MediaConvert role is made: write it.
    let mediaconvert_role = mediaconvert_role.finish(&mut t);

    // 5. MediaConvert's job state changes of this stack's jobs reach job-state.
    let mut job_state = Function::new(&mut t, "JobState", p.function(wiring::JOB_STATE, 30, true));
    let pattern = Expr::map(vec![
        ("source", Expr::strs(&[wiring::MEDIACONVERT_SOURCE])),
        ("detail-type", Expr::strs(&[wiring::JOB_STATE_CHANGE])),
        (
            "detail",
            Expr::map(vec![(
                "userMetadata",
                Expr::map(vec![(
                    metadata::STACK,
                    vec![Expr::pseudo(Pseudo::StackName)].into(),
                )]),
            )]),
        ),
    ]);
    let rule = EventRule::new(
        &mut t,
        "JobStateRule",
        "MediaConvert job state changes of this stack's jobs (user metadata `stack`)",
        pattern,
        &job_state,
    );
    // job-state writes key files and info.json, outside the served prefix only.
    output.grant_put(&mut job_state, KEY_FILE_PREFIX);

    // 6. The three tables of the seed, and the upload counters.
    let mut input_files = Table::new(&mut t, "InputFileTable", table::INPUT_FILE);
    input_files.add_index(
        &mut t,
        OWNER_INDEX,
        (OWNER_ATTRIBUTE, "S"),
        (CREATION_TIME_ATTRIBUTE, "N"),
    );
    let job_outputs = Table::new(&mut t, "JobOutputTable", table::JOB_ID);
    let job_statuses = Table::new(&mut t, "JobStatusTable", table::JOB_ID);
    let upload_quota = Table::new(&mut t, "UploadQuotaTable", QUOTA_KEY);
    // The calls each function makes, as docs/wiring.md lists them.
    input_files.grant_update(&mut create_job);
    job_outputs.grant_put(&mut create_job);
    job_statuses.grant_update(&mut create_job);
    // A repeated claim asks whether the job was recorded.
    job_statuses.grant_read(&mut create_job);
    job_outputs.grant_read(&mut job_state);
    job_statuses.grant_update(&mut job_state);

    // 7. Sign-in: a Cognito user pool unless the stage names another OIDC issuer.
    let pool = UserPool::new(
        &mut t,
        "UserPool",
        UserPoolOptions {
            condition: &c.create_user_pool,
            self_sign_up: &c.allow_self_sign_up,
            // The page signs in and out at its own origin, the API's URL.
            app_urls: browser_origins,
            domain_prefix: Expr::join("", vec![HOSTED_UI_PREFIX.into(), stack_uuid()]),
        },
    );

    // 8. The front end's API: presigned uploads and job status, for signed-in users only.
    let mut status_api = Function::new(
        &mut t,
        "StatusApi",
        p.function(wiring::STATUS_API, 10, false),
    );
    // The page signs in with the client whose tokens the API's authorizer accepts.
    let client_id = Expr::when(&c.create_user_pool, pool.client_id(), p.oidc_audience.r());
    let mut api = HttpApi::new(
        &mut t,
        HTTP_API,
        HttpApiProps {
            name: Expr::sub("${AWS::StackName}-api"),
            allowed_origins: p.allowed_origins.r(),
            log_retention_days: p.log_retention.r(),
            throttling_burst_limit: API_BURST_LIMIT,
            throttling_rate_limit: API_RATE_LIMIT,
            jwt: JwtProps {
                issuer: Expr::when(&c.create_user_pool, pool.issuer(), p.oidc_issuer.r()),
                audience: client_id.clone(),
            },
        },
    );
    for route in API_ROUTES {
        api.route(&mut t, route, &status_api);
    }
    for route in PAGE_ROUTES {
        api.public_route(&mut t, route, &status_api);
    }
    api.throttle_route(
        &mut t,
        UPLOAD_ROUTE,
        UPLOAD_ROUTE_BURST_LIMIT,
        UPLOAD_ROUTE_RATE_LIMIT,
    );
    input_files.grant_read(&mut status_api);
    input_files.grant_query_index(&mut status_api, OWNER_INDEX);
    job_statuses.grant_read(&mut status_api);
    job_statuses.grant_batch_read(&mut status_api);
    // The key endpoint reads the job's key.
    job_outputs.grant_read(&mut status_api);
    upload_quota.grant_update(&mut status_api);
    input.grant_put(&mut status_api, UPLOAD_PREFIX);

    // Environment: the wiring crate's structs, so a variable the handlers read cannot be
    // left out here.
    let create_job_env = CreateJobEnv {
        input_file_table: input_files.name(),
        job_output_table: job_outputs.name(),
        job_status_table: job_statuses.name(),
        output_bucket: output.name(),
        mediaconvert_role_arn: mediaconvert_role.arn(),
        mediaconvert_job_template: job_template.name(),
        status_update_interval_seconds: p.status_update_interval.r(),
        ttl_days: p.ttl_days.r(),
        stack_name: Expr::pseudo(Pseudo::StackName),
        api_url: api.url(),
    };
    for (name, value) in create_job_env.into_pairs() {
        create_job.env(name, value);
    }
    let job_state_env = JobStateEnv {
        job_output_table: job_outputs.name(),
        job_status_table: job_statuses.name(),
        output_bucket: output.name(),
        ttl_days: p.ttl_days.r(),
    };
    for (name, value) in job_state_env.into_pairs() {
        job_state.env(name, value);
    }
    let status_api_env = StatusApiEnv {
        input_file_table: input_files.name(),
        job_output_table: job_outputs.name(),
        job_status_table: job_statuses.name(),
        input_bucket: input.name(),
        video_suffixes: VIDEO_SUFFIXES.join(",").into(),
        upload_prefix: UPLOAD_PREFIX.into(),
        max_upload_bytes: p.max_upload_bytes.r(),
        uploads_per_user_per_day: p.uploads_per_user_per_day.r(),
        upload_quota_table: upload_quota.name(),
        status_update_interval_seconds: p.status_update_interval.r(),
        playback_url: playback.url(),
        sign_in_kind: Expr::when(&c.create_user_pool, "cognito".into(), "oidc".into()),
        sign_in_url: Expr::when(&c.create_user_pool, pool.hosted_ui_url(), p.oidc_issuer.r()),
        sign_in_client_id: client_id,
    };
    for (name, value) in status_api_env.into_pairs() {
        status_api.env(name, value);
    }

    let dead_letter_queues: Vec<(String, Id)> = [&create_job, &job_state]
        .into_iter()
        .filter_map(|f| {
            Some((
                f.name().to_owned(),
                f.dead_letter_queue.as_ref()?.id.clone(),
            ))
        })
        .chain([("JobStateRule".to_owned(), rule.dead_letter_queue.id.clone())])
        .collect();
    let functions: Vec<(String, Id)> = [create_job, job_state, status_api]
        .into_iter()
        .map(|f| (f.name().to_owned(), f.finish(&mut t)))
        .collect();

    t.output("ApiUrl", "Base URL of the HTTP API", api.url());
    t.output(
        "InputBucketName",
        "Bucket the front end uploads to",
        input.name(),
    );
    t.output(
        "OutputBucketName",
        "Bucket holding the HLS outputs",
        output.name(),
    );
    t.output(
        "PlaybackBaseUrl",
        "Base URL of the HLS outputs (CloudFront): <base>/<path under the output bucket's hls/ prefix>",
        playback.url(),
    );
    t.output(
        "PlaybackDistributionId",
        "CloudFront distribution serving the HLS outputs (for invalidations)",
        playback.id.r(),
    );
    t.output(
        "InputFileTableName",
        "Table InputFile -> JobId",
        input_files.name(),
    );
    t.output(
        "JobOutputTableName",
        "Table JobId -> OutputPath, KeyFile, KeyValue",
        job_outputs.name(),
    );
    t.output(
        "JobStatusTableName",
        "Table JobId -> JobStatus, ProgressRate, ...",
        job_statuses.name(),
    );
    t.output(
        "UploadQuotaTableName",
        "Table QuotaKey (owner#UTC day) -> UploadCount",
        upload_quota.name(),
    );
    // What a front end needs to sign in: with the stack's pool, its hosted UI and client;
    // with another provider, the issuer it already knows.
    t.output(
        "OidcIssuerUrl",
        "Issuer (iss) of the tokens the API accepts; its OIDC discovery document is at \
         <issuer>/.well-known/openid-configuration",
        Expr::when(&c.create_user_pool, pool.issuer(), p.oidc_issuer.r()),
    );
    t.output_if(
        &c.create_user_pool,
        "UserPoolId",
        "Cognito user pool of the stage (add users here)",
        pool.id.r(),
    );
    t.output_if(
        &c.create_user_pool,
        "UserPoolClientId",
        "OAuth client id of the browser (public client: code flow with PKCE)",
        pool.client_id(),
    );
    t.output_if(
        &c.create_user_pool,
        "HostedUiUrl",
        "Base URL of the hosted sign-in pages (/oauth2/authorize, /oauth2/token, /logout)",
        pool.hosted_ui_url(),
    );

    // 9. Opt-in alarms: nothing (and no cost) unless the stage names an address.
    alarms(&mut t, &dead_letter_queues, &functions, &api.id);
    t
}

/// Namespace, metric and dimension of job-state's embedded-metric-format log lines
/// (handlers/src/metrics.rs).
pub use wiring::metrics::{
    JOBS_FAILED as JOBS_FAILED_METRIC, NAMESPACE as METRICS_NAMESPACE, STACK_DIMENSION,
};

/// `AlarmEmail` and, when it is set, an SNS topic mailing it and one alarm per failure signal:
/// each dead-letter queue's depth, each function's errors and throttles, the API's 5xx and
/// MediaConvert jobs of this stack ending in ERROR.
fn alarms(
    t: &mut Template,
    dead_letter_queues: &[(String, Id)],
    functions: &[(String, Id)],
    api: &Id,
) {
    let email = t.parameter(
        "AlarmEmail",
        Parameter::string("Address mailed when an alarm fires or clears; empty: no alarm.")
            .default("")
            .pattern(
                r"^([^@\s]+@[^@\s]+\.[^@\s]+)?$",
                "empty, or an e-mail address",
            ),
    );
    let has_email = t.condition(
        "HasAlarmEmail",
        Expr::Not(Box::new(Expr::Equals(
            Box::new(email.r()),
            Box::new("".into()),
        ))),
    );
    let topic = Topic::new(t, "AlarmTopic", "vod-progress alarms", &has_email);
    topic.subscribe_email(t, "AlarmEmailSubscription", email.r());
    let alarms = Alarms::new(&topic);
    for (owner, queue) in dead_letter_queues {
        alarms.dead_letters(t, &format!("{owner}DeadLettersAlarm"), queue, owner);
    }
    for (name, function) in functions {
        alarms.function(t, name, function);
    }
    alarms.api_5xx(t, "HttpApi5xxAlarm", api);
    alarms.custom(
        t,
        "JobsFailedAlarm",
        "MediaConvert jobs of this stack ended in ERROR (job-state's embedded metric)",
        (METRICS_NAMESPACE, JOBS_FAILED_METRIC, "Sum"),
        vec![(STACK_DIMENSION, Expr::pseudo(Pseudo::StackName))],
    );
}

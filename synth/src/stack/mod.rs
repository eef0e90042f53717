//! The application: every resource of the video-transcoding stack and how they are wired.
//!
//! [`stack`] composes it in the order data flows, one function per step (ingest -> transcode
//! -> playback -> job state -> tables -> sign-in -> API, then each function's environment,
//! the outputs and the alarms). Each step adds its resources and hands the next steps a small
//! handle holding what they reference, as a CDK app passes constructs along. The template
//! prints its resources in the order they are added, so it reads in the same order.
//!
//! Names shared with the Lambda code (binaries, environment variables, user metadata, table
//! keys) come from the `wiring` crate (docs/wiring.md is rendered from it).

mod parameters;

pub use parameters::{DEFAULT_MAX_UPLOAD_BYTES, LOG_RETENTION_DAYS, S3_MULTIPART_LIMIT_BYTES};

use crate::constructs::bucket::BucketOptions;
use crate::constructs::cdn::DistributionOptions;
use crate::constructs::cognito::UserPoolOptions;
use crate::constructs::events_api::EventAuth;
use crate::constructs::http_api::{HttpApiProps, JwtProps};
use crate::constructs::{
    Alarms, Bucket, Distribution, EventApi, EventRule, Function, HttpApi, JobTemplate,
    MediaConvertRole, Table, Topic, UserPool,
};
use crate::job_settings;
use crate::model::{Expr, Id, Parameter, Pseudo, Template};
use parameters::Parameters;

use wiring::{CreateJobEnv, JobStateEnv, StatusApiEnv, metadata, table};
pub use wiring::{
    KEY_FILE_PREFIX, PLAYBACK_PREFIX, STATUS_UPDATE_INTERVALS, UPLOAD_PREFIX, VIDEO_SUFFIXES,
};

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
pub const API_ROUTES: [&str; 10] = [
    wiring::routes::LIST_JOBS,
    wiring::routes::GET_JOB,
    wiring::routes::GET_KEY,
    UPLOAD_ROUTE,
    wiring::routes::UPLOAD_PARTS,
    wiring::routes::HELD_PARTS,
    wiring::routes::COMPLETE_UPLOAD,
    wiring::routes::ABORT_UPLOAD,
    wiring::routes::DELETE_JOB,
    wiring::routes::CANCEL_JOB,
];

/// The front end's routes: public, status-api serves the page and its assets.
pub const PAGE_ROUTES: [&str; 2] = [wiring::routes::PAGE, wiring::routes::PAGE_ASSET];

/// The HTTP API's logical id. The page is served from the API's own URL, so the input
/// bucket's and the distribution's CORS and the sign-in client's redirect URLs name that URL
/// before the API is added (none of them is something the API depends on: no cycle).
const HTTP_API: &str = "HttpApi";

/// The input-file table's index of an owner's uploads, newest first, and the quota table's
/// key: status-api queries and writes them under the same names.
pub use wiring::table::{
    CREATION_TIME as CREATION_TIME_ATTRIBUTE, OWNER as OWNER_ATTRIBUTE, OWNER_INDEX, QUOTA_KEY,
};

/// Literal part of the hosted UI's domain prefix (the rest is the stack's unique id, lower
/// case hex and hyphens). Cognito refuses prefixes containing `aws`, `amazon` or `cognito`.
pub const HOSTED_UI_PREFIX: &str = "signin-";

/// Namespace, metric and dimension of job-state's embedded-metric-format log lines
/// (handlers/src/metrics.rs).
pub use wiring::metrics::{
    JOBS_FAILED as JOBS_FAILED_METRIC, NAMESPACE as METRICS_NAMESPACE, STACK_DIMENSION,
};

/// The whole stack.
pub fn stack() -> Template {
    let mut t = Template::new(
        "Video transcoding with live progress: S3 upload -> MediaConvert (HLS, AES-128) -> \
         EventBridge -> DynamoDB, and an HTTP API for uploads and job status.",
    );
    let p = parameters::parameters(&mut t);
    let origins = browser_origins(&p);

    let mut ingest = ingest(&mut t, &p, &origins);
    let transcode = transcode(&mut t, &p, &mut ingest);
    let playback = playback(&mut t, &transcode.output, origins.clone());
    let mut job_state = job_state(&mut t, &p, &transcode.output);
    let tables = tables(&mut t, &mut ingest.create_job, &mut job_state.function);
    let sign_in = sign_in(&mut t, &p, origins);
    let events = push(&mut t, &p, &sign_in, &mut job_state.function);
    let mut api = api(&mut t, &p, &sign_in, &transcode, &ingest.input, &tables);

    // Every resource is known: tell each function where its resources are.
    let env = create_job_env(&p, &transcode, &tables, api.http.url());
    set_env(&mut ingest.create_job, env.into_pairs());
    let env = job_state_env(&p, &transcode.output, &tables, &events);
    set_env(&mut job_state.function, env.into_pairs());
    let env = status_api_env(
        &p,
        &ingest.input,
        &transcode.output,
        &tables,
        &playback,
        &sign_in,
        &events,
    );
    set_env(&mut api.status_api, env.into_pairs());

    let watched = finish_functions(
        &mut t,
        [ingest.create_job, job_state.function, api.status_api],
        &job_state.rule,
    );
    outputs(
        &mut t,
        &ingest.input,
        &transcode.output,
        &playback,
        &tables,
        &sign_in,
        &api.http,
    );
    alarms(&mut t, &watched, &api.http.id);
    t
}

/// The browser origins the page runs at: the API's URL (the page's own) beside the stage's
/// front-end origins.
fn browser_origins(p: &Parameters) -> Expr {
    let api_url = HttpApi::url_of(HTTP_API);
    Expr::split(
        ",",
        Expr::join(
            ",",
            vec![Expr::join_list(",", p.allowed_origins.r()), api_url],
        ),
    )
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

/// Where uploads land and what each one starts.
struct Ingest {
    /// Both buckets' server access logs.
    access_logs: Bucket,
    input: Bucket,
    create_job: Function,
}

/// Uploads land in the input bucket (presigned PUTs from the browser); each new video under
/// the upload prefix starts create-job.
fn ingest(t: &mut Template, p: &Parameters, origins: &Expr) -> Ingest {
    // Kept as long as the other logs.
    let access_logs = Bucket::new(
        t,
        "AccessLogBucket",
        BucketOptions {
            name: None,
            upload_origins: None,
            access_logs: None,
            expire_after_days: Some(p.log_retention.r()),
            expire_prefix_after_days: None,
        },
    );
    let input = Bucket::new(
        t,
        "InputBucket",
        BucketOptions {
            name: Some(input_bucket_name(&p.stage)),
            upload_origins: Some(origins.clone()),
            access_logs: Some(&access_logs),
            expire_after_days: None,
            // Uploads are inputs only: once transcoded (or not), they go.
            expire_prefix_after_days: Some((UPLOAD_PREFIX, p.input_retention_days.r())),
        },
    );
    let create_job = Function::new(t, "CreateJob", p.function(wiring::CREATE_JOB, 30, true));
    input.notify_function(t, &create_job, UPLOAD_PREFIX, &VIDEO_SUFFIXES);
    Ingest {
        access_logs,
        input,
        create_job,
    }
}

/// What MediaConvert runs with and writes to.
struct Transcode {
    /// The role MediaConvert assumes, already written: every grant to it is made here.
    role: Id,
    job_template: JobTemplate,
    output: Bucket,
}

/// MediaConvert reads the upload and writes HLS into the output bucket, its ladder chosen
/// per upload (automated ABR, never above the upload's resolution); create-job may start
/// such jobs.
fn transcode(t: &mut Template, p: &Parameters, ingest: &mut Ingest) -> Transcode {
    let mut role = MediaConvertRole::new(t, "MediaConvertRole");
    let settings = job_settings::render(&job_settings::ABR)
        .expect("the embedded job-template settings render to JSON");
    let job_template = JobTemplate::new(
        t,
        "JobTemplate",
        "HLS, automated ABR up to 1080p (never above the input), H.264 QVBR + AAC",
        settings,
        Expr::sub_with(
            "SECONDS_${Interval}",
            vec![("Interval", p.status_update_interval.r())],
        ),
    );
    job_template.grant_create_job(&mut ingest.create_job, &role);
    ingest.input.grant_read_objects(&mut role, UPLOAD_PREFIX);

    let output = Bucket::new(
        t,
        "OutputBucket",
        BucketOptions {
            name: None,
            upload_origins: None,
            access_logs: Some(&ingest.access_logs),
            expire_after_days: None,
            expire_prefix_after_days: None,
        },
    );
    // MediaConvert writes playlists and segments, under the served prefix only.
    output.grant_put(&mut role, PLAYBACK_PREFIX);
    // A finished video's objects expire on the day its items do (job-state sets them at
    // COMPLETE), or never.
    let keeps_videos_for_days = t.condition(
        "VideoRetentionIsSet",
        !Expr::equals(p.video_retention_days.r(), "0".into()),
    );
    output.expire_prefixes_when(
        t,
        &keeps_videos_for_days,
        &[
            ("ExpireVideosHls", PLAYBACK_PREFIX),
            ("ExpireVideosKeys", KEY_FILE_PREFIX),
        ],
        p.video_retention_days.r(),
    );
    Transcode {
        role: role.finish(t),
        job_template,
        output,
    }
}

/// Browsers fetch playlists and segments through CloudFront, which may read the HLS prefix
/// only: key files live under another prefix it cannot read.
fn playback(t: &mut Template, output: &Bucket, origins: Expr) -> Distribution {
    Distribution::new(
        t,
        "PlaybackDistribution",
        DistributionOptions {
            name_suffix: stack_uuid(),
            bucket: output,
            prefix: PLAYBACK_PREFIX,
            allowed_origins: origins,
        },
    )
}

/// The function that records job progress and the rule that feeds it.
struct JobState {
    function: Function,
    rule: EventRule,
}

/// MediaConvert's job state changes of this stack's jobs reach job-state, which writes key
/// files and info.json beside the outputs.
fn job_state(t: &mut Template, p: &Parameters, output: &Bucket) -> JobState {
    let mut function = Function::new(t, "JobState", p.function(wiring::JOB_STATE, 30, true));
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
        t,
        "JobStateRule",
        "MediaConvert job state changes of this stack's jobs (user metadata `stack`)",
        pattern,
        &function,
    );
    // Outside the served prefix only.
    output.grant_put(&mut function, KEY_FILE_PREFIX);
    // What a job that ended in ERROR or CANCELED wrote before it stopped.
    output.grant_delete_versions(&mut function, &[PLAYBACK_PREFIX]);
    JobState { function, rule }
}

/// The three tables of the seed, and the upload counters.
struct Tables {
    input_files: Table,
    job_outputs: Table,
    job_statuses: Table,
    upload_quota: Table,
}

/// The tables, and the calls create-job and job-state make on them as docs/wiring.md lists
/// them (status-api's are granted with the API).
fn tables(t: &mut Template, create_job: &mut Function, job_state: &mut Function) -> Tables {
    let mut input_files = Table::new(t, "InputFileTable", table::INPUT_FILE);
    input_files.add_index(
        t,
        OWNER_INDEX,
        (OWNER_ATTRIBUTE, "S"),
        (CREATION_TIME_ATTRIBUTE, "N"),
    );
    let job_outputs = Table::new(t, "JobOutputTable", table::JOB_ID);
    let job_statuses = Table::new(t, "JobStatusTable", table::JOB_ID);
    let upload_quota = Table::new(t, "UploadQuotaTable", QUOTA_KEY);
    input_files.grant_update(create_job);
    job_outputs.grant_put(create_job);
    job_statuses.grant_update(create_job);
    // A repeated claim asks whether the job was recorded.
    job_statuses.grant_read(create_job);
    job_outputs.grant_read(job_state);
    job_statuses.grant_update(job_state);
    // COMPLETE gives a video's output and upload items the video's lifetime.
    job_outputs.grant_update(job_state);
    input_files.grant_update(job_state);
    Tables {
        input_files,
        job_outputs,
        job_statuses,
        upload_quota,
    }
}

/// How a browser signs in: with the stack's Cognito pool, or with the stage's own OIDC
/// provider. Each value is the one that applies, chosen at deploy time.
struct SignIn {
    /// No external issuer given: the stack creates the pool (and its outputs).
    creates_pool: Id,
    pool: UserPool,
    /// `cognito` or `oidc`.
    kind: Expr,
    /// The hosted UI's base URL, or the issuer.
    url: Expr,
    /// Issuer (`iss`) of the tokens the API accepts.
    issuer: Expr,
    /// The client the page signs in with, whose tokens the API's authorizer accepts.
    client_id: Expr,
}

/// Sign-in: a Cognito user pool unless the stage names another OIDC issuer, whose
/// configuration must then be whole.
fn sign_in(t: &mut Template, p: &Parameters, app_urls: Expr) -> SignIn {
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
    let creates_pool = t.condition("CreateUserPool", empty(&p.oidc_issuer));
    let allow_self_sign_up = t.condition(
        "AllowSelfSignUp",
        Expr::equals(p.self_sign_up.r(), "true".into()),
    );
    let pool = UserPool::new(
        t,
        "UserPool",
        UserPoolOptions {
            condition: &creates_pool,
            self_sign_up: &allow_self_sign_up,
            // The page signs in and out at its own origin, the API's URL.
            app_urls,
            domain_prefix: Expr::join("", vec![HOSTED_UI_PREFIX.into(), stack_uuid()]),
        },
    );
    let either = |pool: Expr, other: Expr| Expr::when(&creates_pool, pool, other);
    SignIn {
        kind: either("cognito".into(), "oidc".into()),
        url: either(pool.hosted_ui_url(), p.oidc_issuer.r()),
        issuer: either(pool.issuer(), p.oidc_issuer.r()),
        client_id: either(pool.client_id(), p.oidc_audience.r()),
        creates_pool,
        pool,
    }
}

/// Progress pushed to the page: an AppSync Event API whose one namespace job-state publishes
/// to (IAM) and browsers subscribe to with the stage's sign-in, each to its own channels.
fn push(t: &mut Template, p: &Parameters, sign_in: &SignIn, job_state: &mut Function) -> EventApi {
    let events = EventApi::new(
        t,
        "EventApi",
        Expr::sub("${AWS::StackName}-events"),
        wiring::events::NAMESPACE,
        EventAuth {
            uses_pool: &sign_in.creates_pool,
            user_pool: sign_in.pool.id.r(),
            pool_client_id: sign_in.pool.client_id(),
            oidc_issuer: p.oidc_issuer.r(),
            oidc_client_id: p.oidc_audience.r(),
        },
    );
    events.grant_publish(job_state);
    events
}

/// The front end's API and the function behind it.
struct Api {
    status_api: Function,
    http: HttpApi,
}

/// The front end's API: the page, presigned uploads and job status, the data for signed-in
/// users only.
fn api(
    t: &mut Template,
    p: &Parameters,
    sign_in: &SignIn,
    transcode: &Transcode,
    input: &Bucket,
    tables: &Tables,
) -> Api {
    let mut status_api = Function::new(t, "StatusApi", p.function(wiring::STATUS_API, 10, false));
    let mut http = HttpApi::new(
        t,
        HTTP_API,
        HttpApiProps {
            name: Expr::sub("${AWS::StackName}-api"),
            allowed_origins: p.allowed_origins.r(),
            log_retention_days: p.log_retention.r(),
            throttling_burst_limit: API_BURST_LIMIT,
            throttling_rate_limit: API_RATE_LIMIT,
            jwt: JwtProps {
                issuer: sign_in.issuer.clone(),
                audience: sign_in.client_id.clone(),
            },
        },
    );
    for route in API_ROUTES {
        http.route(t, route, &status_api);
    }
    for route in PAGE_ROUTES {
        http.public_route(t, route, &status_api);
    }
    http.throttle_route(
        t,
        UPLOAD_ROUTE,
        UPLOAD_ROUTE_BURST_LIMIT,
        UPLOAD_ROUTE_RATE_LIMIT,
    );
    tables.input_files.grant_read(&mut status_api);
    tables
        .input_files
        .grant_query_index(&mut status_api, OWNER_INDEX);
    tables.job_statuses.grant_read(&mut status_api);
    tables.job_statuses.grant_batch_read(&mut status_api);
    // The key endpoint reads the job's key.
    tables.job_outputs.grant_read(&mut status_api);
    tables.upload_quota.grant_update(&mut status_api);
    input.grant_put(&mut status_api, UPLOAD_PREFIX);
    input.grant_multipart(&mut status_api, UPLOAD_PREFIX);
    // Delete: the tombstone, the video's items, its objects (every version) and its upload;
    // cancel (and delete of a running job): CancelJob.
    tables.job_statuses.grant_update(&mut status_api);
    tables.input_files.grant_delete(&mut status_api);
    tables.job_outputs.grant_delete(&mut status_api);
    transcode
        .output
        .grant_delete_versions(&mut status_api, &[PLAYBACK_PREFIX, KEY_FILE_PREFIX]);
    input.grant_delete_versions(&mut status_api, &[UPLOAD_PREFIX]);
    transcode.job_template.grant_cancel_job(&mut status_api);
    Api { status_api, http }
}

// Each function's environment is the wiring crate's struct for it, so a variable the
// handlers read cannot be left out here.

fn create_job_env(
    p: &Parameters,
    transcode: &Transcode,
    tables: &Tables,
    api_url: Expr,
) -> CreateJobEnv<Expr> {
    CreateJobEnv {
        input_file_table: tables.input_files.name(),
        job_output_table: tables.job_outputs.name(),
        job_status_table: tables.job_statuses.name(),
        output_bucket: transcode.output.name(),
        mediaconvert_role_arn: transcode.role.arn(),
        mediaconvert_job_template: transcode.job_template.name(),
        status_update_interval_seconds: p.status_update_interval.r(),
        ttl_days: p.ttl_days.r(),
        stack_name: Expr::pseudo(Pseudo::StackName),
        api_url,
    }
}

fn job_state_env(
    p: &Parameters,
    output: &Bucket,
    tables: &Tables,
    events: &EventApi,
) -> JobStateEnv<Expr> {
    JobStateEnv {
        input_file_table: tables.input_files.name(),
        job_output_table: tables.job_outputs.name(),
        job_status_table: tables.job_statuses.name(),
        output_bucket: output.name(),
        ttl_days: p.ttl_days.r(),
        events_publish_url: Expr::join(
            "",
            vec!["https://".into(), events.http_domain(), "/event".into()],
        ),
        video_retention_days: p.video_retention_days.r(),
    }
}

fn status_api_env(
    p: &Parameters,
    input: &Bucket,
    output: &Bucket,
    tables: &Tables,
    playback: &Distribution,
    sign_in: &SignIn,
    events: &EventApi,
) -> StatusApiEnv<Expr> {
    StatusApiEnv {
        input_file_table: tables.input_files.name(),
        job_output_table: tables.job_outputs.name(),
        job_status_table: tables.job_statuses.name(),
        input_bucket: input.name(),
        output_bucket: output.name(),
        ttl_days: p.ttl_days.r(),
        video_suffixes: VIDEO_SUFFIXES.join(",").into(),
        upload_prefix: UPLOAD_PREFIX.into(),
        max_upload_bytes: p.max_upload_bytes.r(),
        uploads_per_user_per_day: p.uploads_per_user_per_day.r(),
        upload_quota_table: tables.upload_quota.name(),
        status_update_interval_seconds: p.status_update_interval.r(),
        playback_url: playback.url(),
        sign_in_kind: sign_in.kind.clone(),
        sign_in_url: sign_in.url.clone(),
        sign_in_client_id: sign_in.client_id.clone(),
        events_http_domain: events.http_domain(),
        events_realtime_url: Expr::join(
            "",
            vec![
                "wss://".into(),
                events.realtime_domain(),
                "/event/realtime".into(),
            ],
        ),
    }
}

fn set_env(function: &mut Function, pairs: Vec<(&str, Expr)>) {
    for (name, value) in pairs {
        function.env(name, value);
    }
}

/// What the alarms watch, by the name of what owns it.
struct Watched {
    dead_letter_queues: Vec<(String, Id)>,
    functions: Vec<(String, Id)>,
}

/// Writes every function (and its role, now that every grant is made) into the template.
fn finish_functions(t: &mut Template, functions: [Function; 3], rule: &EventRule) -> Watched {
    let dead_letter_queues = (functions.iter())
        .filter_map(|f| {
            Some((
                f.name().to_owned(),
                f.dead_letter_queue.as_ref()?.id.clone(),
            ))
        })
        .chain([(rule.id.to_string(), rule.dead_letter_queue.id.clone())])
        .collect();
    let functions = (functions.into_iter())
        .map(|f| (f.name().to_owned(), f.finish(t)))
        .collect();
    Watched {
        dead_letter_queues,
        functions,
    }
}

/// What an operator and a front end read from the deployed stack.
fn outputs(
    t: &mut Template,
    input: &Bucket,
    output: &Bucket,
    playback: &Distribution,
    tables: &Tables,
    sign_in: &SignIn,
    api: &HttpApi,
) {
    let outputs = [
        ("ApiUrl", "Base URL of the HTTP API", api.url()),
        (
            "InputBucketName",
            "Bucket the front end uploads to",
            input.name(),
        ),
        (
            "OutputBucketName",
            "Bucket holding the HLS outputs",
            output.name(),
        ),
        (
            "PlaybackBaseUrl",
            "Base URL of the HLS outputs (CloudFront): <base>/<path under the output bucket's \
             hls/ prefix>",
            playback.url(),
        ),
        (
            "PlaybackDistributionId",
            "CloudFront distribution serving the HLS outputs (for invalidations)",
            playback.id.r(),
        ),
        (
            "InputFileTableName",
            "Table InputFile -> JobId",
            tables.input_files.name(),
        ),
        (
            "JobOutputTableName",
            "Table JobId -> OutputPath, KeyFile, KeyValue",
            tables.job_outputs.name(),
        ),
        (
            "JobStatusTableName",
            "Table JobId -> JobStatus, ProgressRate, ...",
            tables.job_statuses.name(),
        ),
        (
            "UploadQuotaTableName",
            "Table QuotaKey (owner#UTC day) -> UploadCount",
            tables.upload_quota.name(),
        ),
        // What a front end needs to sign in: with another provider, the issuer it already
        // knows; with the stack's pool, also its hosted UI and client (below).
        (
            "OidcIssuerUrl",
            "Issuer (iss) of the tokens the API accepts; its OIDC discovery document is at \
             <issuer>/.well-known/openid-configuration",
            sign_in.issuer.clone(),
        ),
    ];
    for (id, description, value) in outputs {
        t.output(id, description, value);
    }
    let pool = &sign_in.pool;
    let pool_outputs = [
        (
            "UserPoolId",
            "Cognito user pool of the stage (add users here)",
            pool.id.r(),
        ),
        (
            "UserPoolClientId",
            "OAuth client id of the browser (public client: code flow with PKCE)",
            pool.client_id(),
        ),
        (
            "HostedUiUrl",
            "Base URL of the hosted sign-in pages (/oauth2/authorize, /oauth2/token, /logout)",
            pool.hosted_ui_url(),
        ),
    ];
    for (id, description, value) in pool_outputs {
        t.output_if(&sign_in.creates_pool, id, description, value);
    }
}

/// Opt-in alarms, nothing (and no cost) unless the stage names an address: `AlarmEmail` and,
/// when it is set, an SNS topic mailing it and one alarm per failure signal: each dead-letter
/// queue's depth, each function's errors and throttles, the API's 5xx and MediaConvert jobs
/// of this stack ending in ERROR.
fn alarms(t: &mut Template, watched: &Watched, api: &Id) {
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
    for (owner, queue) in &watched.dead_letter_queues {
        alarms.dead_letters(t, &format!("{owner}DeadLettersAlarm"), queue, owner);
    }
    for (name, function) in &watched.functions {
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

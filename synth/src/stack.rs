//! The application: every resource of the video-transcoding stack and how they are wired,
//! top to bottom in the order data flows (upload -> job -> events -> status API).
//!
//! Names shared with the Lambda code (binaries, environment variables, user metadata) follow
//! `docs/wiring.md`.

use crate::constructs::bucket::BucketOptions;
use crate::constructs::http_api::HttpApiProps;
use crate::constructs::{
    Alarms, Bucket, EventRule, Function, FunctionProps, HttpApi, JobTemplate, MediaConvertRole,
    Table, Topic,
};
use crate::job_settings;
use crate::model::{Expr, Id, Parameter, Pseudo, Template};

/// Upload suffixes that start a job; S3 suffix filters are case-sensitive, and phones name
/// their files `.MOV`/`.MP4`.
pub const VIDEO_SUFFIXES: [&str; 7] = [".mp4", ".mov", ".m4v", ".mkv", ".webm", ".MP4", ".MOV"];

/// The values MediaConvert's `StatusUpdateInterval` enum allows (`SECONDS_<n>`).
pub const STATUS_UPDATE_INTERVALS: [u32; 15] = [
    10, 12, 15, 20, 30, 60, 120, 180, 240, 300, 360, 420, 480, 540, 600,
];

/// The retention values CloudWatch Logs accepts.
pub const LOG_RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// The prefix under which status-api presigns uploads: its s3:PutObject grant is scoped to
/// it, and status-api reads it from `UPLOAD_PREFIX`, so the two cannot drift apart.
pub const UPLOAD_PREFIX: &str = "uploads/";

/// Key prefix of create-job's placeholder items in the job output table, the only items it
/// deletes (docs/wiring.md).
pub const PENDING_PREFIX: &str = "pending:";

/// API throttling for every route of the `$default` stage.
const API_BURST_LIMIT: i64 = 50;
const API_RATE_LIMIT: f64 = 20.0;

struct Parameters {
    stage: Id,
    status_update_interval: Id,
    ttl_days: Id,
    allowed_origins: Id,
    log_retention: Id,
    architecture: Id,
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
    let stack_uuid = Expr::select(2, Expr::split("/", Expr::pseudo(Pseudo::StackId)));
    Expr::join("-", vec![stage.r(), "input".into(), stack_uuid])
}

/// The whole stack.
pub fn stack() -> Template {
    let mut t = Template::new(
        "Video transcoding with live progress: S3 upload -> MediaConvert (HLS, AES-128) -> \
         EventBridge -> DynamoDB, and an HTTP API for uploads and job status.",
    );
    let p = parameters(&mut t);

    // 0. Both buckets' server access logs, kept as long as the other logs.
    let access_logs = Bucket::new(
        &mut t,
        "AccessLogBucket",
        BucketOptions {
            name: None,
            upload_origins: None,
            access_logs: None,
            expire_after_days: Some(p.log_retention.r()),
        },
    );

    // 1. Uploads land in the input bucket (presigned PUTs from the browser).
    let input = Bucket::new(
        &mut t,
        "InputBucket",
        BucketOptions {
            name: Some(input_bucket_name(&p.stage)),
            upload_origins: Some(p.allowed_origins.r()),
            access_logs: Some(&access_logs),
            expire_after_days: None,
        },
    );

    // 2. Each new video starts a MediaConvert job.
    let mut create_job = Function::new(&mut t, "CreateJob", p.function("create-job", 30, true));
    input.notify_function(&mut t, &create_job, &VIDEO_SUFFIXES);

    // 3. MediaConvert reads the upload and writes HLS with the template's ladder.
    let mut mediaconvert_role = MediaConvertRole::new(&mut t, "MediaConvertRole");
    let settings = job_settings::render(&job_settings::LADDER)
        .expect("the embedded job-template settings render to JSON");
    let job_template = JobTemplate::new(
        &mut t,
        "JobTemplate",
        "HLS ladder 1080p-360p, H.264 QVBR + AAC",
        settings,
        Expr::sub_with(
            "SECONDS_${Interval}",
            vec![("Interval", p.status_update_interval.r())],
        ),
    );
    job_template.grant_create_job(&mut create_job, &mediaconvert_role);
    input.grant_read_objects(&mut mediaconvert_role);

    // 4. ... into the output bucket.
    let output = Bucket::new(
        &mut t,
        "OutputBucket",
        BucketOptions {
            name: None,
            upload_origins: None,
            access_logs: Some(&access_logs),
            expire_after_days: None,
        },
    );
    output.grant_put(&mut mediaconvert_role, "");
    // Every grant to the MediaConvert role is made: write it.
    let mediaconvert_role = mediaconvert_role.finish(&mut t);

    // 5. MediaConvert's job state changes of this stack's jobs reach job-state.
    let mut job_state = Function::new(&mut t, "JobState", p.function("job-state", 30, true));
    let pattern = Expr::map(vec![
        ("source", Expr::strs(&["aws.mediaconvert"])),
        (
            "detail-type",
            Expr::strs(&["MediaConvert Job State Change"]),
        ),
        (
            "detail",
            Expr::map(vec![(
                "userMetadata",
                Expr::map(vec![(
                    "stack",
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
    output.grant_put(&mut job_state, "");

    // 6. The three tables of the seed.
    let input_files = Table::new(&mut t, "InputFileTable", "InputFile");
    let job_outputs = Table::new(&mut t, "JobOutputTable", "JobId");
    let job_statuses = Table::new(&mut t, "JobStatusTable", "JobId");
    // The calls each function makes, as docs/wiring.md lists them.
    input_files.grant_update(&mut create_job);
    job_outputs.grant_put(&mut create_job);
    job_outputs.grant_delete_keys_starting_with(&mut create_job, PENDING_PREFIX);
    job_statuses.grant_put(&mut create_job);
    job_outputs.grant_read(&mut job_state);
    job_statuses.grant_update(&mut job_state);

    // 7. The front end's API: presigned uploads and job status.
    let mut status_api = Function::new(&mut t, "StatusApi", p.function("status-api", 10, false));
    let mut api = HttpApi::new(
        &mut t,
        "HttpApi",
        HttpApiProps {
            name: Expr::sub("${AWS::StackName}-api"),
            allowed_origins: p.allowed_origins.r(),
            log_retention_days: p.log_retention.r(),
            throttling_burst_limit: API_BURST_LIMIT,
            throttling_rate_limit: API_RATE_LIMIT,
        },
    );
    for route in ["GET /jobs", "GET /jobs/{jobId}", "POST /uploads"] {
        api.route(&mut t, route, &status_api);
    }
    input_files.grant_read(&mut status_api);
    job_statuses.grant_read(&mut status_api);
    input.grant_put(&mut status_api, UPLOAD_PREFIX);

    // Environment, as docs/wiring.md lists it.
    create_job.env("INPUT_FILE_TABLE", input_files.name());
    create_job.env("JOB_OUTPUT_TABLE", job_outputs.name());
    create_job.env("JOB_STATUS_TABLE", job_statuses.name());
    create_job.env("OUTPUT_BUCKET", output.name());
    create_job.env("MEDIACONVERT_ROLE_ARN", mediaconvert_role.arn());
    create_job.env("MEDIACONVERT_JOB_TEMPLATE", job_template.name());
    create_job.env(
        "STATUS_UPDATE_INTERVAL_SECONDS",
        p.status_update_interval.r(),
    );
    create_job.env("TTL_DAYS", p.ttl_days.r());
    create_job.env("STACK_NAME", Expr::pseudo(Pseudo::StackName));

    job_state.env("JOB_OUTPUT_TABLE", job_outputs.name());
    job_state.env("JOB_STATUS_TABLE", job_statuses.name());
    job_state.env("OUTPUT_BUCKET", output.name());
    job_state.env("TTL_DAYS", p.ttl_days.r());

    status_api.env("INPUT_FILE_TABLE", input_files.name());
    status_api.env("JOB_STATUS_TABLE", job_statuses.name());
    status_api.env("INPUT_BUCKET", input.name());
    status_api.env("VIDEO_SUFFIXES", VIDEO_SUFFIXES.join(","));
    status_api.env("UPLOAD_PREFIX", UPLOAD_PREFIX);

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

    // 8. Opt-in alarms: nothing (and no cost) unless the stage names an address.
    alarms(&mut t, &dead_letter_queues, &functions, &api.id);
    t
}

/// Namespace, metric and dimension of job-state's embedded-metric-format log lines
/// (handlers/src/metrics.rs).
pub const METRICS_NAMESPACE: &str = "VodProgress";
pub const JOBS_FAILED_METRIC: &str = "JobsFailed";
pub const STACK_DIMENSION: &str = "Stack";

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

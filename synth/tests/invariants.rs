//! The rules of issue 2, item 5 (and DESIGN.md, "The stack"), checked on the synthesized
//! template read back as JSON. Each test names the rule it guards and fails when it breaks.

mod common;

use common::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The upload prefix: status-api's s3:PutObject grant and its `UPLOAD_PREFIX` must agree.
const UPLOAD_PREFIX: &str = "uploads/";
use wiring::{KEY_FILE_PREFIX, PLAYBACK_PREFIX};

const TABLES: [(&str, &str); 4] = [
    ("InputFileTable", "InputFile"),
    ("JobOutputTable", "JobId"),
    ("JobStatusTable", "JobId"),
    ("UploadQuotaTable", "QuotaKey"),
];

fn set<T: Ord + Clone>(items: &[T]) -> BTreeSet<T> {
    items.iter().cloned().collect()
}

// ---- tables ----

#[test]
fn four_tables_on_demand_with_ttl_and_their_keys() {
    let t = template();
    let tables = resources(&t, "AWS::DynamoDB::Table");
    assert_eq!(
        tables.len(),
        4,
        "exactly the seed's three tables and the upload quota"
    );
    for (id, key) in TABLES {
        let p = props(&t, id);
        assert_eq!(
            p["BillingMode"], "PAY_PER_REQUEST",
            "{id}: on-demand billing"
        );
        assert!(
            p.get("ProvisionedThroughput").is_none(),
            "{id}: no provisioned capacity"
        );
        assert_eq!(
            p["KeySchema"],
            json!([{ "AttributeName": key, "KeyType": "HASH" }]),
            "{id}: partition key {key} only"
        );
        assert_eq!(
            p["AttributeDefinitions"][0],
            json!({ "AttributeName": key, "AttributeType": "S" }),
            "{id}: string key"
        );
        assert_eq!(
            p["TimeToLiveSpecification"],
            json!({ "AttributeName": "ExpirationTime", "Enabled": true }),
            "{id}: TTL on ExpirationTime"
        );
        assert!(
            p.get("TableName").is_none(),
            "{id}: physical name left to the stack"
        );
    }
}

#[test]
fn no_auto_scaling_and_no_unconditional_alarm() {
    let t = template();
    for (id, r) in t["Resources"].as_object().unwrap() {
        let kind = r["Type"].as_str().unwrap();
        assert!(
            !kind.starts_with("AWS::ApplicationAutoScaling::"),
            "{id} is a {kind}: an idle stack must cost nothing"
        );
        if kind == "AWS::CloudWatch::Alarm" {
            assert_eq!(
                r["Condition"], "HasAlarmEmail",
                "{id}: an alarm costs money every month, so only a stage with AlarmEmail has it"
            );
        }
    }
}

// ---- buckets ----

#[test]
fn every_bucket_blocks_public_access_and_is_encrypted() {
    let t = template();
    let buckets = resources(&t, "AWS::S3::Bucket");
    assert!(buckets.len() >= 2, "input and output buckets at least");
    for (id, b) in buckets {
        let p = &b["Properties"];
        for block in [
            "BlockPublicAcls",
            "BlockPublicPolicy",
            "IgnorePublicAcls",
            "RestrictPublicBuckets",
        ] {
            assert_eq!(
                p["PublicAccessBlockConfiguration"][block], true,
                "{id}: {block}"
            );
        }
        let sse = &p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
            ["SSEAlgorithm"];
        assert!(sse.is_string(), "{id}: default encryption");
    }
}

#[test]
fn every_bucket_policy_denies_requests_without_tls() {
    let t = template();
    let policies = resources(&t, "AWS::S3::BucketPolicy");
    for (bucket, _) in resources(&t, "AWS::S3::Bucket") {
        let denies = policies
            .iter()
            .filter(|(_, p)| p["Properties"]["Bucket"] == reference(bucket))
            .flat_map(|(_, p)| as_list(&p["Properties"]["PolicyDocument"]["Statement"]))
            .any(|s| {
                s["Effect"] == "Deny"
                    && s["Principal"] == "*"
                    && as_list(&s["Action"]).contains(&json!("s3:*"))
                    && s["Condition"]["Bool"]["aws:SecureTransport"] == "false"
                    && as_list(&s["Resource"]).len() == 2
            });
        assert!(
            denies,
            "{bucket}: no policy denying aws:SecureTransport = false"
        );
    }
}

#[test]
fn input_and_output_are_different_buckets_and_only_input_triggers() {
    let t = template();
    let input = env(&t, "StatusApiFunction")["INPUT_BUCKET"].clone();
    let output = env(&t, "JobStateFunction")["OUTPUT_BUCKET"].clone();
    assert_eq!(input, reference("InputBucket"));
    assert_eq!(output, reference("OutputBucket"));
    assert!(
        props(&t, "OutputBucket")
            .get("NotificationConfiguration")
            .is_none(),
        "a trigger on the bucket MediaConvert writes to would loop"
    );
}

#[test]
fn input_bucket_notifies_create_job_once_per_video_suffix_under_the_upload_prefix() {
    let t = template();
    let configs =
        as_list(&props(&t, "InputBucket")["NotificationConfiguration"]["LambdaConfigurations"]);
    let mut suffixes = Vec::new();
    for c in &configs {
        assert_eq!(c["Event"], "s3:ObjectCreated:*");
        assert_eq!(c["Function"], get_att("CreateJobFunction", "Arn"));
        let rules = as_list(&c["Filter"]["S3Key"]["Rules"]);
        assert_eq!(rules.len(), 2, "a prefix and one suffix per configuration");
        assert_eq!(
            rules[0],
            json!({ "Name": "prefix", "Value": UPLOAD_PREFIX }),
            "only uploads start jobs: nothing else written to the bucket may"
        );
        assert_eq!(rules[1]["Name"], "suffix");
        suffixes.push(rules[1]["Value"].as_str().unwrap().to_owned());
    }
    for must in [".mp4", ".mov"] {
        assert!(suffixes.iter().any(|s| s == must), "{must} starts a job");
    }
    let exported: Vec<String> = env(&t, "StatusApiFunction")["VIDEO_SUFFIXES"]
        .as_str()
        .expect("VIDEO_SUFFIXES is a literal")
        .split(',')
        .map(str::to_owned)
        .collect();
    assert_eq!(
        exported, suffixes,
        "status-api gets the same suffixes the trigger filters on"
    );
}

/// The classic cycle is bucket -> notification -> function permission -> bucket ARN. The
/// permission must name the bucket without referencing it, and the bucket must wait for it.
#[test]
fn s3_trigger_has_no_circular_dependency_and_no_custom_resource() {
    let t = template();
    let permissions: Vec<_> = resources(&t, "AWS::Lambda::Permission")
        .into_iter()
        .filter(|(_, p)| p["Properties"]["Principal"] == "s3.amazonaws.com")
        .collect();
    assert_eq!(permissions.len(), 1);
    let (permission_id, permission) = permissions[0];
    let p = &permission["Properties"];
    assert_eq!(p["FunctionName"], get_att("CreateJobFunction", "Arn"));
    assert_eq!(p["SourceAccount"], reference("AWS::AccountId"));
    assert!(
        !references(&p["SourceArn"]).contains("InputBucket"),
        "the permission's SourceArn must not reference the bucket"
    );
    assert_eq!(
        p["SourceArn"]["Fn::Sub"][1]["BucketName"],
        props(&t, "InputBucket")["BucketName"],
        "the permission names the bucket by the bucket's own fixed name"
    );
    assert!(
        as_list(&resource(&t, "InputBucket")["DependsOn"]).contains(&json!(permission_id)),
        "the bucket waits for the permission"
    );
    for (id, r) in t["Resources"].as_object().unwrap() {
        let kind = r["Type"].as_str().unwrap();
        assert!(
            !kind.starts_with("Custom::") && kind != "AWS::CloudFormation::CustomResource",
            "{id}: no custom resource"
        );
    }
    assert_eq!(find_cycle(&t), None);
}

/// Every logical id a value references (Ref, GetAtt, Sub variables).
fn references(v: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    collect_refs(v, &mut out);
    out
}

fn collect_refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| collect_refs(i, out)),
        Value::Object(m) => {
            out.extend(direct_refs(m));
            m.values().for_each(|i| collect_refs(i, out));
        }
        _ => {}
    }
}

/// A dependency cycle among resources, found independently of synth's own validation.
fn find_cycle(t: &Value) -> Option<Vec<String>> {
    let resources = t["Resources"].as_object().unwrap();
    let graph: BTreeMap<String, BTreeSet<String>> = resources
        .iter()
        .map(|(id, r)| {
            let mut deps = references(r);
            deps.extend(
                as_list(&r["DependsOn"])
                    .iter()
                    .map(|d| d.as_str().unwrap().to_owned()),
            );
            deps.retain(|d| resources.contains_key(d));
            (id.clone(), deps)
        })
        .collect();
    fn walk(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if path.iter().any(|p| p == n) {
            let mut cycle = path.clone();
            cycle.push(n.to_owned());
            return Some(cycle);
        }
        if !done.insert(n.to_owned()) {
            return None;
        }
        path.push(n.to_owned());
        for d in &g[n] {
            if let Some(c) = walk(d, g, path, done) {
                return Some(c);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| walk(n, &graph, &mut Vec::new(), &mut done))
}

// ---- EventBridge ----

#[test]
fn rule_matches_job_state_changes_of_this_stacks_jobs() {
    let t = template();
    let rules = resources(&t, "AWS::Events::Rule");
    assert_eq!(rules.len(), 1);
    let p = &rules[0].1["Properties"];
    assert_eq!(
        p["EventPattern"],
        json!({
            "source": ["aws.mediaconvert"],
            "detail-type": ["MediaConvert Job State Change"],
            "detail": { "userMetadata": { "stack": [{ "Ref": "AWS::StackName" }] } }
        })
    );
    assert_eq!(
        env(&t, "CreateJobFunction")["STACK_NAME"],
        reference("AWS::StackName")
    );
}

#[test]
fn rule_target_retries_and_has_a_dead_letter_queue_it_may_write() {
    let t = template();
    let (rule_id, rule) = resources(&t, "AWS::Events::Rule")[0];
    let targets = as_list(&rule["Properties"]["Targets"]);
    assert_eq!(targets.len(), 1);
    let target = &targets[0];
    assert_eq!(target["Arn"], get_att("JobStateFunction", "Arn"));
    assert!(
        target["RetryPolicy"]["MaximumRetryAttempts"]
            .as_i64()
            .unwrap()
            > 0
    );
    assert!(
        target["RetryPolicy"]["MaximumEventAgeInSeconds"]
            .as_i64()
            .unwrap()
            > 0
    );
    let dlq = &target["DeadLetterConfig"]["Arn"];
    let queue = dlq["Fn::GetAtt"][0]
        .as_str()
        .expect("DLQ is a queue of the stack");
    assert_eq!(resource(&t, queue)["Type"], "AWS::SQS::Queue");
    let allowed = resources(&t, "AWS::SQS::QueuePolicy")
        .into_iter()
        .any(|(_, qp)| {
            let qp = &qp["Properties"];
            qp["Queues"] == json!([reference(queue)])
                && as_list(&qp["PolicyDocument"]["Statement"]).iter().any(|s| {
                    s["Effect"] == "Allow"
                        && s["Principal"] == json!({ "Service": "events.amazonaws.com" })
                        && as_list(&s["Action"]) == vec![json!("sqs:SendMessage")]
                        && as_list(&s["Resource"]) == vec![dlq.clone()]
                        && s["Condition"]["ArnEquals"]["aws:SourceArn"] == get_att(rule_id, "Arn")
                })
        });
    assert!(
        allowed,
        "the DLQ's policy lets EventBridge send for this rule only"
    );
}

/// Functions invoked asynchronously (S3, EventBridge) keep failed events in a DLQ they may write.
#[test]
fn every_asynchronously_invoked_function_has_a_dead_letter_queue() {
    let t = template();
    let asynchronous: BTreeSet<String> = resources(&t, "AWS::Lambda::Permission")
        .into_iter()
        .filter(|(_, p)| {
            let principal = &p["Properties"]["Principal"];
            principal == "s3.amazonaws.com" || principal == "events.amazonaws.com"
        })
        .map(|(_, p)| {
            p["Properties"]["FunctionName"]["Fn::GetAtt"][0]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        asynchronous,
        set(&[
            "CreateJobFunction".to_owned(),
            "JobStateFunction".to_owned()
        ])
    );
    for function in asynchronous {
        let dlq = props(&t, &function)["DeadLetterConfig"]["TargetArn"].clone();
        let queue = dlq["Fn::GetAtt"][0]
            .as_str()
            .unwrap_or_else(|| panic!("{function}: no DLQ"));
        assert_eq!(resource(&t, queue)["Type"], "AWS::SQS::Queue");
        let role = props(&t, &function)["Role"]["Fn::GetAtt"][0]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            grants(&t, &role)
                .iter()
                .any(|(a, r, _)| a == "sqs:SendMessage" && *r == dlq),
            "{function}'s role may send to its DLQ"
        );
    }
}

#[test]
fn every_lambda_permission_is_scoped_to_its_source() {
    let t = template();
    for (id, p) in resources(&t, "AWS::Lambda::Permission") {
        let p = &p["Properties"];
        assert_eq!(p["Action"], "lambda:InvokeFunction", "{id}");
        assert!(p["SourceArn"].is_object(), "{id}: SourceArn");
    }
}

// ---- HTTP API ----

#[test]
fn api_serves_its_routes_and_the_page_through_status_api() {
    let t = template();
    let routes: BTreeMap<String, Value> = resources(&t, "AWS::ApiGatewayV2::Route")
        .into_iter()
        .map(|(_, r)| {
            (
                r["Properties"]["RouteKey"].as_str().unwrap().to_owned(),
                r["Properties"]["Target"].clone(),
            )
        })
        .collect();
    assert_eq!(
        routes.keys().cloned().collect::<BTreeSet<_>>(),
        set(&[
            "GET /jobs".to_owned(),
            "GET /jobs/{jobId}".to_owned(),
            "GET /jobs/{jobId}/key".to_owned(),
            "POST /uploads".to_owned(),
            "POST /uploads/parts".to_owned(),
            "GET /uploads/parts".to_owned(),
            "POST /uploads/complete".to_owned(),
            "POST /uploads/abort".to_owned(),
            "DELETE /jobs/{jobId}".to_owned(),
            "POST /jobs/{jobId}/cancel".to_owned(),
            "GET /".to_owned(),
            "GET /assets/{file}".to_owned(),
        ])
    );
    for (key, target) in routes {
        let integration = target["Fn::Join"][1][1]["Ref"]
            .as_str()
            .unwrap_or_else(|| panic!("{key}"));
        let i = props(&t, integration);
        assert_eq!(
            i["IntegrationUri"],
            get_att("StatusApiFunction", "Arn"),
            "{key}"
        );
        assert_eq!(i["IntegrationType"], "AWS_PROXY");
        assert_eq!(i["PayloadFormatVersion"], "2.0");
    }
}

#[test]
fn cors_origins_come_from_the_parameter() {
    let t = template();
    let apis = resources(&t, "AWS::ApiGatewayV2::Api");
    assert_eq!(apis.len(), 1);
    assert_eq!(
        apis[0].1["Properties"]["CorsConfiguration"]["AllowOrigins"],
        reference("AllowedOrigins")
    );
    assert_eq!(
        props(&t, "InputBucket")["CorsConfiguration"]["CorsRules"][0]["AllowedOrigins"],
        json!({ "Fn::Split": [",", { "Fn::Join": [",", [
            { "Fn::Join": [",", reference("AllowedOrigins")] },
            get_att("HttpApi", "ApiEndpoint")
        ]] }] }),
        "browsers PUT presigned uploads from the same origins and from the page the API serves"
    );
    let rule = &props(&t, "InputBucket")["CorsConfiguration"]["CorsRules"][0];
    assert_eq!(rule["AllowedMethods"], json!(["PUT"]));
    assert_eq!(
        rule["ExposedHeaders"],
        json!(["ETag"]),
        "the page completes a multipart upload with the ETags UploadPart answers"
    );
}

#[test]
fn abandoned_multipart_uploads_are_aborted_after_a_day() {
    let t = template();
    let rules = props(&t, "InputBucket")["LifecycleConfiguration"]["Rules"].clone();
    let aborting: Vec<_> = rules
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["Status"] == "Enabled" && r.get("Prefix").is_none())
        .map(|r| r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"].clone())
        .collect();
    assert_eq!(
        aborting,
        vec![json!(1)],
        "one bucket-wide rule aborts after 1 day"
    );
}

#[test]
fn api_stage_throttles_and_writes_access_logs_with_retention() {
    let t = template();
    let stages = resources(&t, "AWS::ApiGatewayV2::Stage");
    assert_eq!(stages.len(), 1);
    let p = &stages[0].1["Properties"];
    let throttle = &p["DefaultRouteSettings"];
    assert!(throttle["ThrottlingBurstLimit"].as_i64().unwrap() > 0);
    assert!(throttle["ThrottlingRateLimit"].as_f64().unwrap() > 0.0);
    let group = p["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"][0]
        .as_str()
        .unwrap();
    assert_eq!(resource(&t, group)["Type"], "AWS::Logs::LogGroup");
    assert!(
        p["AccessLogSettings"]["Format"]
            .as_str()
            .unwrap()
            .contains("$context.requestId")
    );
}

#[test]
fn every_log_group_keeps_logs_for_the_parameters_retention() {
    let t = template();
    let groups = resources(&t, "AWS::Logs::LogGroup");
    assert_eq!(groups.len(), 4, "three functions and the API");
    for (id, g) in groups {
        assert_eq!(
            g["Properties"]["RetentionInDays"],
            reference("LogRetentionDays"),
            "{id}"
        );
    }
    for (id, f) in resources(&t, "AWS::Lambda::Function") {
        let group = f["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
            .as_str()
            .unwrap();
        assert_eq!(
            resource(&t, group)["Type"],
            "AWS::Logs::LogGroup",
            "{id} logs to its group"
        );
    }
}

// ---- functions ----

/// `create-job` -> `CreateJobFunction`
fn function_id(binary: &str) -> String {
    let stem: String = binary
        .split('-')
        .map(|w| w[..1].to_uppercase() + &w[1..])
        .collect();
    format!("{stem}Function")
}

#[test]
fn functions_package_the_zips_cargo_lambda_builds() {
    let t = template();
    assert_eq!(resources(&t, "AWS::Lambda::Function").len(), 3);
    for wiring::Function { binary, .. } in wiring::FUNCTIONS {
        let zip = wiring::zip_path(binary);
        assert_eq!(zip, format!("target/lambda/{binary}/bootstrap.zip"));
        let p = props(&t, &function_id(binary));
        assert_eq!(p["Code"], json!(zip), "{binary}");
        assert_eq!(p["Runtime"], "provided.al2023");
        assert_eq!(p["Handler"], "bootstrap");
        assert_eq!(p["Architectures"], json!([reference("LambdaArchitecture")]));
    }
}

#[test]
fn each_function_gets_exactly_the_environment_the_wiring_crate_lists() {
    let t = template();
    let expected_values: BTreeMap<&str, Value> = [
        ("INPUT_FILE_TABLE", reference("InputFileTable")),
        ("JOB_OUTPUT_TABLE", reference("JobOutputTable")),
        ("JOB_STATUS_TABLE", reference("JobStatusTable")),
        ("INPUT_BUCKET", reference("InputBucket")),
        ("OUTPUT_BUCKET", reference("OutputBucket")),
        ("MEDIACONVERT_ROLE_ARN", get_att("MediaConvertRole", "Arn")),
        ("MEDIACONVERT_JOB_TEMPLATE", reference("JobTemplate")),
        (
            "STATUS_UPDATE_INTERVAL_SECONDS",
            reference("StatusUpdateIntervalSeconds"),
        ),
        ("TTL_DAYS", reference("TtlDays")),
        ("STACK_NAME", reference("AWS::StackName")),
        ("UPLOAD_PREFIX", json!(UPLOAD_PREFIX)),
        ("MAX_UPLOAD_BYTES", reference("MaxUploadBytes")),
        (
            "UPLOADS_PER_USER_PER_DAY",
            reference("UploadsPerUserPerDay"),
        ),
        ("UPLOAD_QUOTA_TABLE", reference("UploadQuotaTable")),
        // The key URL of every job starts with the API's URL; a complete job's playbackUrl
        // with the distribution's.
        ("API_URL", get_att("HttpApi", "ApiEndpoint")),
        (
            "PLAYBACK_URL",
            json!({ "Fn::Sub": "https://${PlaybackDistribution.DomainName}" }),
        ),
        (
            "SIGN_IN_KIND",
            json!({ "Fn::If": ["CreateUserPool", "cognito", "oidc"] }),
        ),
        (
            "SIGN_IN_CLIENT_ID",
            json!({ "Fn::If": ["CreateUserPool", reference("UserPoolClient"), reference("OidcAudience")] }),
        ),
    ]
    .into_iter()
    .collect();
    for wiring::Function {
        binary, env: names, ..
    } in wiring::FUNCTIONS
    {
        let actual = env(&t, &function_id(binary));
        let wanted: BTreeSet<&str> = names.iter().copied().collect();
        let have: BTreeSet<&str> = actual.keys().map(String::as_str).collect();
        assert_eq!(have, wanted, "{binary}'s environment");
        for (name, value) in &actual {
            if let Some(expected) = expected_values.get(name.as_str()) {
                assert_eq!(value, expected, "{binary}: {name}");
            }
        }
    }
}

#[test]
fn each_function_has_its_own_role_assumed_by_lambda_only() {
    let t = template();
    let mut seen = BTreeSet::new();
    for (id, f) in resources(&t, "AWS::Lambda::Function") {
        let role = f["Properties"]["Role"]["Fn::GetAtt"][0]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(seen.insert(role.clone()), "{id} shares role {role}");
        let trust = &props(&t, &role)["AssumeRolePolicyDocument"]["Statement"];
        assert_eq!(
            trust,
            &json!([{ "Effect": "Allow", "Principal": { "Service": "lambda.amazonaws.com" }, "Action": ["sts:AssumeRole"] }])
        );
    }
}

// ---- IAM ----

#[test]
fn no_managed_policies_no_wildcard_action_no_star_resource() {
    let t = template();
    for kind in [
        "AWS::IAM::Policy",
        "AWS::IAM::ManagedPolicy",
        "AWS::IAM::User",
    ] {
        assert!(resources(&t, kind).is_empty(), "no {kind}");
    }
    for (role, r) in resources(&t, "AWS::IAM::Role") {
        assert!(
            r["Properties"].get("ManagedPolicyArns").is_none(),
            "{role}: managed policy"
        );
        let policies = as_list(&r["Properties"]["Policies"]);
        assert!(policies.len() <= 1, "{role}: one inline policy");
        for (action, resource, _) in grants(&t, role) {
            assert!(!action.contains('*'), "{role}: wildcard action {action}");
            assert_ne!(resource, json!("*"), "{role}: Resource \"*\" for {action}");
        }
    }
}

#[test]
fn pass_role_only_for_the_mediaconvert_role_and_only_to_mediaconvert() {
    let t = template();
    let mut found = 0;
    for (role, _) in resources(&t, "AWS::IAM::Role") {
        for (action, resource, condition) in grants(&t, role) {
            if action == "iam:PassRole" {
                found += 1;
                assert_eq!(role, "CreateJobFunctionRole");
                assert_eq!(resource, get_att("MediaConvertRole", "Arn"));
                assert_eq!(
                    condition,
                    json!({ "StringEquals": { "iam:PassedToService": "mediaconvert.amazonaws.com" } })
                );
            }
        }
    }
    assert_eq!(found, 1);
}

fn regional(rest: &str) -> Value {
    json!({ "Fn::Sub": format!("arn:${{AWS::Partition}}:mediaconvert:${{AWS::Region}}:${{AWS::AccountId}}:{rest}") })
}

#[test]
fn create_job_is_scoped_to_the_template_the_default_queue_and_jobs() {
    let t = template();
    let mut resources_granted = Vec::new();
    for (role, _) in resources(&t, "AWS::IAM::Role") {
        for (action, resource, _) in grants(&t, role) {
            if action.starts_with("mediaconvert:") && action != "mediaconvert:CancelJob" {
                assert_eq!(action, "mediaconvert:CreateJob", "{role}");
                assert_eq!(role, "CreateJobFunctionRole");
                resources_granted.push(resource);
            }
        }
    }
    assert_eq!(
        resources_granted,
        vec![
            get_att("JobTemplate", "Arn"),
            regional("queues/Default"),
            regional("jobs/*")
        ]
    );
}

/// CancelJob only for status-api (cancel, and delete of a running job), only on this
/// account's jobs in the stack's region: a job's ARN holds nothing else to scope by.
#[test]
fn only_status_api_cancels_jobs_and_only_jobs() {
    let t = template();
    let mut granted = Vec::new();
    for (role, _) in resources(&t, "AWS::IAM::Role") {
        for (action, resource, condition) in grants(&t, role) {
            if action == "mediaconvert:CancelJob" {
                granted.push((role, resource, condition));
            }
        }
    }
    assert_eq!(
        granted,
        vec![("StatusApiFunctionRole", regional("jobs/*"), Value::Null)]
    );
}

/// Listing versions (what a delete must do to find every version) is narrowed by
/// `s3:prefix` to the prefixes the same role may delete under.
#[test]
fn status_api_lists_versions_only_under_the_prefixes_it_deletes() {
    let t = template();
    let listed: Vec<(Value, Value)> = grants(&t, "StatusApiFunctionRole")
        .into_iter()
        .filter(|(a, _, _)| a == "s3:ListBucketVersions")
        .map(|(_, r, c)| (r, c))
        .collect();
    let input_bucket = input_bucket_arn();
    let mut want = vec![
        (
            get_att("OutputBucket", "Arn"),
            json!({"StringLike": {"s3:prefix": [format!("{PLAYBACK_PREFIX}*"), format!("{KEY_FILE_PREFIX}*")]}}),
        ),
        (
            input_bucket,
            json!({"StringLike": {"s3:prefix": [format!("{UPLOAD_PREFIX}*")]}}),
        ),
    ];
    let mut listed = listed;
    listed.sort_by_key(|(r, _)| r.to_string());
    want.sort_by_key(|(r, _)| r.to_string());
    assert_eq!(listed, want);
}

/// job-state removes only what a failed job wrote under the served prefix: it lists
/// versions there and nowhere else, and deletes nothing of the key files.
#[test]
fn job_state_lists_and_deletes_only_under_the_served_prefix() {
    let t = template();
    let grants = grants(&t, "JobStateFunctionRole");
    let listed: Vec<Value> = grants
        .iter()
        .filter(|(a, _, _)| a == "s3:ListBucketVersions")
        .map(|(_, _, c)| c.clone())
        .collect();
    assert_eq!(
        listed,
        vec![json!({"StringLike": {"s3:prefix": [format!("{PLAYBACK_PREFIX}*")]}})]
    );
    let deleted: Vec<&Value> = grants
        .iter()
        .filter(|(a, _, _)| a.starts_with("s3:Delete"))
        .map(|(_, r, _)| r)
        .collect();
    let served = objects(get_att("OutputBucket", "Arn"), PLAYBACK_PREFIX);
    assert_eq!(deleted, vec![&served, &served]);
}

fn objects(bucket_arn: Value, prefix: &str) -> Value {
    json!({ "Fn::Sub": format!("${{{}.Arn}}/{prefix}*", bucket_arn["Fn::GetAtt"][0].as_str().unwrap()) })
}

fn input_bucket_arn() -> Value {
    props(&template(), "InputBucketInvokeCreateJobPermission")["SourceArn"].clone()
}

fn input_objects(prefix: &str) -> Value {
    let mut name_based =
        props(&template(), "InputBucketInvokeCreateJobPermission")["SourceArn"].clone();
    let text = name_based["Fn::Sub"][0].as_str().unwrap().to_owned();
    name_based["Fn::Sub"][0] = json!(format!("{text}/{prefix}*"));
    name_based
}

fn table(id: &str) -> Value {
    get_att(id, "Arn")
}

/// Every grant, derived by hand from docs/wiring.md (the DynamoDB calls per function, who
/// writes which bucket) and DESIGN.md:
/// exactly these action/resource pairs and nothing else.
#[test]
fn each_role_is_granted_exactly_what_its_wiring_needs() {
    let t = template();
    let logs = |f: &str| {
        [
            (
                "logs:CreateLogStream",
                get_att(&format!("{f}LogGroup"), "Arn"),
            ),
            ("logs:PutLogEvents", get_att(&format!("{f}LogGroup"), "Arn")),
        ]
    };
    let dlq = |f: &str| {
        (
            "sqs:SendMessage",
            get_att(&format!("{f}DeadLetterQueue"), "Arn"),
        )
    };
    let output = get_att("OutputBucket", "Arn");
    let expected: Vec<(&str, Vec<(&str, Value)>)> = vec![
        (
            "CreateJobFunctionRole",
            [
                logs("CreateJob").to_vec(),
                vec![
                    dlq("CreateJob"),
                    ("mediaconvert:CreateJob", get_att("JobTemplate", "Arn")),
                    ("mediaconvert:CreateJob", regional("queues/Default")),
                    ("mediaconvert:CreateJob", regional("jobs/*")),
                    ("iam:PassRole", get_att("MediaConvertRole", "Arn")),
                    ("dynamodb:UpdateItem", table("InputFileTable")),
                    ("dynamodb:PutItem", table("JobOutputTable")),
                    ("dynamodb:UpdateItem", table("JobStatusTable")),
                    ("dynamodb:GetItem", table("JobStatusTable")),
                ],
            ]
            .concat(),
        ),
        (
            "JobStateFunctionRole",
            [
                logs("JobState").to_vec(),
                vec![
                    dlq("JobState"),
                    // Key files and info.json, outside what the distribution serves.
                    ("s3:PutObject", objects(output.clone(), KEY_FILE_PREFIX)),
                    ("dynamodb:GetItem", table("JobOutputTable")),
                    ("dynamodb:UpdateItem", table("JobStatusTable")),
                    // Progress events, on the one namespace only.
                    (
                        "appsync:EventPublish",
                        get_att("EventApiNamespace", "ChannelNamespaceArn"),
                    ),
                    // COMPLETE: the video's lifetime on its output and upload items.
                    ("dynamodb:UpdateItem", table("JobOutputTable")),
                    ("dynamodb:UpdateItem", table("InputFileTable")),
                    // ERROR, CANCELED: what MediaConvert wrote before it stopped.
                    ("s3:DeleteObject", objects(output.clone(), PLAYBACK_PREFIX)),
                    (
                        "s3:DeleteObjectVersion",
                        objects(output.clone(), PLAYBACK_PREFIX),
                    ),
                    ("s3:ListBucketVersions", output.clone()),
                ],
            ]
            .concat(),
        ),
        (
            "StatusApiFunctionRole",
            [
                logs("StatusApi").to_vec(),
                vec![
                    ("dynamodb:GetItem", table("InputFileTable")),
                    (
                        "dynamodb:Query",
                        json!({ "Fn::Sub": "${InputFileTable.Arn}/index/OwnerIndex" }),
                    ),
                    ("dynamodb:GetItem", table("JobStatusTable")),
                    ("dynamodb:BatchGetItem", table("JobStatusTable")),
                    // The key endpoint.
                    ("dynamodb:GetItem", table("JobOutputTable")),
                    ("dynamodb:UpdateItem", table("UploadQuotaTable")),
                    // Covers CreateMultipartUpload, UploadPart and CompleteMultipartUpload.
                    ("s3:PutObject", input_objects(UPLOAD_PREFIX)),
                    ("s3:ListMultipartUploadParts", input_objects(UPLOAD_PREFIX)),
                    ("s3:AbortMultipartUpload", input_objects(UPLOAD_PREFIX)),
                    // Delete: the tombstone, the two items, every version of the video's
                    // objects and its upload; cancel.
                    ("dynamodb:UpdateItem", table("JobStatusTable")),
                    ("dynamodb:DeleteItem", table("InputFileTable")),
                    ("dynamodb:DeleteItem", table("JobOutputTable")),
                    ("s3:DeleteObject", objects(output.clone(), PLAYBACK_PREFIX)),
                    ("s3:DeleteObject", objects(output.clone(), KEY_FILE_PREFIX)),
                    (
                        "s3:DeleteObjectVersion",
                        objects(output.clone(), PLAYBACK_PREFIX),
                    ),
                    (
                        "s3:DeleteObjectVersion",
                        objects(output.clone(), KEY_FILE_PREFIX),
                    ),
                    ("s3:ListBucketVersions", output.clone()),
                    ("s3:DeleteObject", input_objects(UPLOAD_PREFIX)),
                    ("s3:DeleteObjectVersion", input_objects(UPLOAD_PREFIX)),
                    ("s3:ListBucketVersions", input_bucket_arn()),
                    ("mediaconvert:CancelJob", regional("jobs/*")),
                ],
            ]
            .concat(),
        ),
        (
            "MediaConvertRole",
            vec![
                ("s3:GetObject", input_objects(UPLOAD_PREFIX)),
                // Playlists and segments, under the served prefix only.
                ("s3:PutObject", objects(output, PLAYBACK_PREFIX)),
            ],
        ),
    ];
    let roles: BTreeSet<&str> = resources(&t, "AWS::IAM::Role")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        roles,
        expected.iter().map(|(r, _)| *r).collect(),
        "one role per function + MediaConvert"
    );
    for (role, wanted) in expected {
        let mut have: Vec<(String, String)> = grants(&t, role)
            .into_iter()
            .map(|(a, r, _)| (a, r.to_string()))
            .collect();
        let mut want: Vec<(String, String)> = wanted
            .into_iter()
            .map(|(a, r)| (a.to_owned(), r.to_string()))
            .collect();
        have.sort();
        want.sort();
        assert_eq!(have, want, "{role}'s grants");
    }
}

/// Only a user's delete removes items, and never a job's status item: that one becomes the
/// tombstone late events lose against, and leaves by TTL.
#[test]
fn only_status_api_deletes_items_and_never_a_status() {
    let t = template();
    let mut deletes: Vec<_> = resources(&t, "AWS::IAM::Role")
        .into_iter()
        .flat_map(|(role, _)| grants(&t, role).into_iter().map(move |g| (role, g)))
        .filter(|(_, (action, _, _))| action == "dynamodb:DeleteItem")
        .map(|(role, (_, resource, _))| (role, resource))
        .collect();
    deletes.sort_by_key(|(_, r)| r.to_string());
    assert_eq!(
        deletes,
        vec![
            ("StatusApiFunctionRole", table("InputFileTable")),
            ("StatusApiFunctionRole", table("JobOutputTable")),
        ]
    );
}

#[test]
fn no_statement_is_repeated_within_a_policy() {
    let t = template();
    for (role, _) in resources(&t, "AWS::IAM::Role") {
        let pairs: Vec<String> = grants(&t, role)
            .into_iter()
            .map(|(a, r, _)| format!("{a} {r}"))
            .collect();
        let unique: BTreeSet<&String> = pairs.iter().collect();
        assert_eq!(unique.len(), pairs.len(), "{role} grants something twice");
    }
}

#[test]
fn mediaconvert_role_is_assumed_by_mediaconvert_of_this_account_only() {
    let t = template();
    assert_eq!(
        props(&t, "MediaConvertRole")["AssumeRolePolicyDocument"]["Statement"],
        json!([{
            "Effect": "Allow",
            "Principal": { "Service": "mediaconvert.amazonaws.com" },
            "Action": ["sts:AssumeRole"],
            "Condition": { "StringEquals": { "aws:SourceAccount": { "Ref": "AWS::AccountId" } } }
        }])
    );
}

// ---- MediaConvert job template ----

#[test]
fn job_template_is_an_automated_abr_hls_group_with_the_parameters_update_interval() {
    let t = template();
    let p = props(&t, "JobTemplate");
    assert_eq!(
        p["StatusUpdateInterval"],
        json!({ "Fn::Sub": ["SECONDS_${Interval}", { "Interval": { "Ref": "StatusUpdateIntervalSeconds" } }] })
    );
    // Accelerated when the input allows it, standard speed otherwise (never a failed job).
    assert_eq!(p["AccelerationSettings"], json!({ "Mode": "PREFERRED" }));
    let groups = as_list(&p["SettingsJson"]["OutputGroups"]);
    assert_eq!(groups.len(), 2, "the HLS group, then the poster's");
    let group = &groups[0];
    assert_eq!(group["OutputGroupSettings"]["Type"], "HLS_GROUP_SETTINGS");
    // The ladder adapts to each input (no rendition above it): automated ABR, within limits.
    let abr = &group["AutomatedEncodingSettings"]["AbrSettings"];
    let renditions = abr["MaxRenditions"].as_i64().unwrap();
    assert!((3..=15).contains(&renditions), "{abr}");
    let (low, high) = (
        abr["MinAbrBitrate"].as_i64().unwrap(),
        abr["MaxAbrBitrate"].as_i64().unwrap(),
    );
    assert!(100_000 <= low && low < high, "{abr}");
    assert!(abr.get("Rules").is_none(), "{abr}");
    // One base output stands for every rendition; automated ABR requires QVBR and
    // MULTI_PASS_HQ and sets each rendition's QVBR level and max bitrate itself.
    let outputs = as_list(&group["Outputs"]);
    assert_eq!(outputs.len(), 1);
    let o = &outputs[0];
    let h264 = &o["VideoDescription"]["CodecSettings"]["H264Settings"];
    assert_eq!(o["VideoDescription"]["CodecSettings"]["Codec"], "H_264");
    assert_eq!(h264["RateControlMode"], "QVBR");
    assert_eq!(h264["QualityTuningLevel"], "MULTI_PASS_HQ");
    assert!(h264.get("QvbrSettings").is_none() && h264.get("MaxBitrate").is_none());
    assert_eq!(
        (
            &o["VideoDescription"]["Width"],
            &o["VideoDescription"]["Height"]
        ),
        (&json!(1920), &json!(1080)),
        "the largest rendition allowed"
    );
    assert_ne!(o["VideoDescription"]["ScalingBehavior"], "FIT_NO_UPSCALE");
    assert_eq!(o["AudioDescriptions"][0]["CodecSettings"]["Codec"], "AAC");
    assert_eq!(o["ContainerSettings"]["Container"], "M3U8");
}

#[test]
fn job_template_captures_a_handful_of_jpeg_stills_at_the_inputs_size_for_the_poster() {
    let t = template();
    let group = &as_list(&props(&t, "JobTemplate")["SettingsJson"]["OutputGroups"])[1];
    assert_eq!(group["OutputGroupSettings"]["Type"], "FILE_GROUP_SETTINGS");
    // create-job sets the destination (under the job's hls/ folder, which the distribution
    // serves); a template destination would put every job's posters in one place.
    assert_eq!(group["OutputGroupSettings"]["FileGroupSettings"], json!({}));
    let outputs = as_list(&group["Outputs"]);
    assert_eq!(outputs.len(), 1);
    let o = &outputs[0];
    // A frame capture output: no container, no audio (User Guide, "File group with a frame
    // capture output").
    assert_eq!(o["ContainerSettings"]["Container"], "RAW");
    assert!(o.get("AudioDescriptions").is_none(), "{o}");
    let video = &o["VideoDescription"];
    assert_eq!(video["CodecSettings"]["Codec"], "FRAME_CAPTURE");
    // No size: the input's resolution, so the poster has the video's aspect.
    assert!(
        video.get("Width").is_none() && video.get("Height").is_none(),
        "{video}"
    );
    let f = &video["CodecSettings"]["FrameCaptureSettings"];
    let captures = f["MaxCaptures"].as_i64().unwrap();
    assert!((1..=10).contains(&captures), "a handful: {f}");
    let seconds_apart =
        f["FramerateDenominator"].as_f64().unwrap() / f["FramerateNumerator"].as_f64().unwrap();
    assert!(seconds_apart >= 1.0, "{f}");
    assert!((1..=100).contains(&f["Quality"].as_i64().unwrap()), "{f}");
}

// ---- parameters, outputs and stage files ----

#[test]
fn stage_parameters_are_declared() {
    let t = template();
    let p = &t["Parameters"];
    assert_eq!(p["Stage"]["Type"], "String");
    let intervals: Vec<String> = [
        10, 12, 15, 20, 30, 60, 120, 180, 240, 300, 360, 420, 480, 540, 600,
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    assert_eq!(
        p["StatusUpdateIntervalSeconds"]["AllowedValues"],
        json!(intervals)
    );
    assert!(p["TtlDays"].is_object());
    assert_eq!(p["AllowedOrigins"]["Type"], "CommaDelimitedList");
    assert!(as_list(&p["LogRetentionDays"]["AllowedValues"]).contains(&json!("14")));
    assert_eq!(p["LambdaArchitecture"]["Default"], "arm64");
    assert_eq!(
        p["LambdaArchitecture"]["AllowedValues"],
        json!(["arm64", "x86_64"])
    );
}

#[test]
fn outputs_name_the_api_url_buckets_and_tables() {
    let t = template();
    let o = &t["Outputs"];
    assert_eq!(o["ApiUrl"]["Value"], get_att("HttpApi", "ApiEndpoint"));
    assert_eq!(o["InputBucketName"]["Value"], reference("InputBucket"));
    assert_eq!(o["OutputBucketName"]["Value"], reference("OutputBucket"));
    assert_eq!(
        o["InputFileTableName"]["Value"],
        reference("InputFileTable")
    );
    assert_eq!(
        o["JobOutputTableName"]["Value"],
        reference("JobOutputTable")
    );
    assert_eq!(
        o["JobStatusTableName"]["Value"],
        reference("JobStatusTable")
    );
    assert_eq!(
        o["UploadQuotaTableName"]["Value"],
        reference("UploadQuotaTable")
    );
}

/// `aws cloudformation deploy --parameter-overrides file://cloudformation/<stage>.json` in
/// awscli v1 reads a JSON list of `Key=Value` strings.
#[test]
fn stage_files_give_valid_values_for_template_parameters() {
    let t = template();
    let parameters = t["Parameters"].as_object().unwrap();
    for stage in ["dev", "prod"] {
        let path = workspace_file(&format!("cloudformation/{stage}.json"));
        let text = std::fs::read_to_string(&path).unwrap();
        let entries: Vec<String> = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{stage}.json is not a JSON list of strings: {e}"));
        let mut given = BTreeMap::new();
        for entry in entries {
            let (key, value) = entry
                .split_once('=')
                .unwrap_or_else(|| panic!("{stage}.json: `{entry}` is not Key=Value"));
            let declared = parameters
                .get(key)
                .unwrap_or_else(|| panic!("{stage}.json: `{key}` is not a template parameter"));
            let allowed = as_list(&declared["AllowedValues"]);
            assert!(
                allowed.is_empty() || allowed.contains(&json!(value)),
                "{stage}.json: {key}={value} is not an allowed value"
            );
            assert!(
                given.insert(key.to_owned(), value.to_owned()).is_none(),
                "{stage}.json: {key} twice"
            );
        }
        for (name, declared) in parameters {
            assert!(
                declared.get("Default").is_some() || given.contains_key(name),
                "{stage}.json has no value for {name}, which has no default"
            );
        }
        assert_eq!(given["Stage"], stage);
    }
}

/// `VideoRetentionDays` is the one count for a finished video: 0 (the default) keeps it, N
/// expires `hls/` and `keys/` after N days (old versions a day later), the same N job-state
/// gives its items; the rules exist in every stage, enabled only when N is set.
#[test]
fn the_output_bucket_expires_videos_by_the_same_retention_as_their_items() {
    let t = template();
    let parameter = &t["Parameters"]["VideoRetentionDays"];
    assert_eq!(
        (&parameter["Default"], &parameter["MinValue"]),
        (&json!("0"), &json!(0))
    );
    assert_eq!(
        t["Conditions"]["VideoRetentionIsSet"],
        json!({"Fn::Not": [{"Fn::Equals": [{"Ref": "VideoRetentionDays"}, "0"]}]})
    );
    let rules = props(&t, "OutputBucket")["LifecycleConfiguration"]["Rules"]
        .as_array()
        .unwrap()
        .clone();
    let when =
        |then: Value, otherwise: Value| json!({"Fn::If": ["VideoRetentionIsSet", then, otherwise]});
    for prefix in [PLAYBACK_PREFIX, KEY_FILE_PREFIX] {
        let rule = rules
            .iter()
            .find(|r| r["Prefix"] == prefix)
            .unwrap_or_else(|| panic!("no rule for {prefix}"));
        assert_eq!(rule["Status"], when(json!("Enabled"), json!("Disabled")));
        assert_eq!(
            rule["ExpirationInDays"],
            when(json!({"Ref": "VideoRetentionDays"}), json!(1))
        );
        assert_eq!(rule["NoncurrentVersionExpiration"]["NoncurrentDays"], 1);
    }
    let env = &props(&t, "JobStateFunction")["Environment"]["Variables"];
    assert_eq!(
        env["VIDEO_RETENTION_DAYS"],
        json!({"Ref": "VideoRetentionDays"})
    );
}

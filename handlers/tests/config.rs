//! The binaries read their configuration once at start; a missing or malformed variable
//! fails the start with a message naming it.

use handlers::config::*;
use std::collections::HashMap;

fn vars(pairs: &[(&str, &str)]) -> Vars<impl Fn(&str) -> Option<String>> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Vars(move |name: &str| map.get(name).cloned())
}

const CREATE_JOB: [(&str, &str); 10] = [
    ("INPUT_FILE_TABLE", "in"),
    ("JOB_OUTPUT_TABLE", "out"),
    ("JOB_STATUS_TABLE", "status"),
    ("OUTPUT_BUCKET", "bucket-out"),
    ("MEDIACONVERT_ROLE_ARN", "arn:aws:iam::123456789012:role/mc"),
    ("MEDIACONVERT_JOB_TEMPLATE", "tpl"),
    ("STATUS_UPDATE_INTERVAL_SECONDS", "15"),
    ("TTL_DAYS", "7"),
    ("STACK_NAME", "vod-dev"),
    (
        "API_URL",
        "https://a1b2c3.execute-api.us-east-1.amazonaws.com",
    ),
];

fn without(all: &[(&'static str, &'static str)], name: &str) -> Vec<(&'static str, &'static str)> {
    all.iter().copied().filter(|(k, _)| *k != name).collect()
}

fn with(
    all: &[(&'static str, &'static str)],
    name: &'static str,
    value: &'static str,
) -> Vec<(&'static str, &'static str)> {
    let mut v = without(all, name);
    v.push((name, value));
    v
}

#[test]
fn create_job_config_reads_every_variable() {
    let c = CreateJobConfig::load(&vars(&CREATE_JOB)).unwrap();
    assert_eq!(c.status_update_interval_seconds, 15);
    assert_eq!(c.ttl_days, 7);
    assert_eq!(c.stack_name, "vod-dev");
    assert_eq!(c.input_file_table, "in");
    assert_eq!(
        c.api_url,
        "https://a1b2c3.execute-api.us-east-1.amazonaws.com"
    );
}

#[test]
fn base_urls_are_absolute_and_lose_a_trailing_slash() {
    let c = CreateJobConfig::load(&vars(&with(
        &CREATE_JOB,
        "API_URL",
        "http://127.0.0.1:9000/",
    )))
    .unwrap();
    assert_eq!(c.api_url, "http://127.0.0.1:9000");
    for bad in [
        "a1b2c3.execute-api.us-east-1.amazonaws.com",
        "https://",
        "https://a b",
        "https://a?x=1",
        "ftp://a",
    ] {
        let err = CreateJobConfig::load(&vars(&with(&CREATE_JOB, "API_URL", bad))).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("environment variable API_URL has the invalid value"),
            "{bad:?}: {err}"
        );
    }
}

#[test]
fn each_missing_variable_is_named() {
    for (name, _) in CREATE_JOB {
        let err = CreateJobConfig::load(&vars(&without(&CREATE_JOB, name))).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("environment variable {name} is not set")
        );
        let err = CreateJobConfig::load(&vars(&with(&CREATE_JOB, name, " "))).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("environment variable {name} is empty")
        );
    }
}

#[test]
fn malformed_numbers_are_named() {
    for (name, value) in [
        ("STATUS_UPDATE_INTERVAL_SECONDS", "11"),
        ("STATUS_UPDATE_INTERVAL_SECONDS", "fast"),
        ("TTL_DAYS", "0"),
        ("TTL_DAYS", "-1"),
    ] {
        let err = CreateJobConfig::load(&vars(&with(&CREATE_JOB, name, value))).unwrap_err();
        assert!(
            err.to_string().starts_with(&format!(
                "environment variable {name} has the invalid value"
            )),
            "{err}"
        );
    }
    for ok in STATUS_UPDATE_INTERVALS {
        let text: &'static str = Box::leak(ok.to_string().into_boxed_str());
        let c = CreateJobConfig::load(&vars(&with(
            &CREATE_JOB,
            "STATUS_UPDATE_INTERVAL_SECONDS",
            text,
        )))
        .unwrap();
        assert_eq!(c.status_update_interval_seconds, ok);
    }
}

#[test]
fn job_state_and_status_api_configs() {
    let job_state = [
        ("INPUT_FILE_TABLE", "in"),
        ("JOB_OUTPUT_TABLE", "out"),
        ("JOB_STATUS_TABLE", "status"),
        ("OUTPUT_BUCKET", "b"),
        ("TTL_DAYS", "1"),
        (
            "EVENTS_PUBLISH_URL",
            "https://abc.appsync-api.us-east-1.amazonaws.com/event",
        ),
        ("VIDEO_RETENTION_DAYS", "0"),
    ];
    let config = JobStateConfig::load(&vars(&job_state)).unwrap();
    assert_eq!((config.ttl_days, config.video_retention_days), (1, 0));
    let config = JobStateConfig::load(&vars(&with(&job_state, "VIDEO_RETENTION_DAYS", "3650")));
    assert_eq!(config.unwrap().video_retention_days, 3650);
    for bad in ["-1", "3651", "a year"] {
        let err = JobStateConfig::load(&vars(&with(&job_state, "VIDEO_RETENTION_DAYS", bad)))
            .unwrap_err();
        assert!(
            err.to_string().contains("VIDEO_RETENTION_DAYS"),
            "{bad}: {err}"
        );
    }
    // The publish endpoint: https (http on loopback only), the path /event.
    for bad in [
        "http://abc.appsync-api.us-east-1.amazonaws.com/event",
        "https://abc.appsync-api.us-east-1.amazonaws.com/",
        "https://abc.appsync-api.us-east-1.amazonaws.com/event/x",
        "abc.appsync-api.us-east-1.amazonaws.com/event",
    ] {
        let err = JobStateConfig::load(&vars(&with(&job_state, "EVENTS_PUBLISH_URL", bad)))
            .unwrap_err()
            .to_string();
        assert!(err.contains("EVENTS_PUBLISH_URL"), "{bad}: {err}");
    }
    let local = with(
        &job_state,
        "EVENTS_PUBLISH_URL",
        "http://127.0.0.1:4003/event",
    );
    assert!(JobStateConfig::load(&vars(&local)).is_ok());
    let err = JobStateConfig::load(&vars(&without(&job_state, "OUTPUT_BUCKET"))).unwrap_err();
    assert!(err.to_string().contains("OUTPUT_BUCKET"));

    let api = [
        ("INPUT_FILE_TABLE", "in"),
        ("JOB_OUTPUT_TABLE", "out"),
        ("JOB_STATUS_TABLE", "status"),
        ("INPUT_BUCKET", "b"),
        ("OUTPUT_BUCKET", "out-b"),
        ("TTL_DAYS", "3"),
        ("VIDEO_SUFFIXES", ".mp4, .mov"),
        ("UPLOAD_PREFIX", "in/coming/"),
        ("MAX_UPLOAD_BYTES", "1073741824"),
        ("UPLOADS_PER_USER_PER_DAY", "20"),
        ("UPLOAD_QUOTA_TABLE", "quota"),
        ("STATUS_UPDATE_INTERVAL_SECONDS", "10"),
        ("PLAYBACK_URL", "https://d111111abcdef8.cloudfront.net"),
        ("SIGN_IN_KIND", "oidc"),
        ("SIGN_IN_URL", "https://issuer.example.com/tenant"),
        ("SIGN_IN_CLIENT_ID", "client-1"),
        (
            "EVENTS_HTTP_DOMAIN",
            "abc.appsync-api.us-east-1.amazonaws.com",
        ),
        (
            "EVENTS_REALTIME_URL",
            "wss://abc.appsync-realtime-api.us-east-1.amazonaws.com/event/realtime",
        ),
    ];
    let config = StatusApiConfig::load(&vars(&api)).unwrap();
    assert_eq!(
        config.page.push.as_ref().map(|p| p.realtime_origin()),
        Some("wss://abc.appsync-realtime-api.us-east-1.amazonaws.com".to_string())
    );
    assert_eq!(config.page.playback_url, config.playback_url);
    assert_eq!(config.page.sign_in_kind, handlers::page::SignInKind::Oidc);
    assert_eq!(config.page.status_interval_seconds, 10);
    assert_eq!(config.page.max_upload_bytes, 1 << 30);
    assert_eq!(config.video_suffixes, vec![".mp4", ".mov"]);
    assert_eq!(config.upload_prefix, "in/coming/");
    assert_eq!(config.max_upload_bytes, 1 << 30);
    assert_eq!(config.uploads_per_user_per_day, 20);
    assert_eq!(config.upload_quota_table, "quota");
    assert_eq!(config.job_output_table, "out");
    assert_eq!(
        (config.output_bucket.as_str(), config.ttl_days),
        ("out-b", 3)
    );
    assert_eq!(config.playback_url, "https://d111111abcdef8.cloudfront.net");
    // S3's multipart limits make at most 10,000 x 5 GiB; a day allows at least one upload.
    for (name, bad) in [
        ("MAX_UPLOAD_BYTES", "0"),
        ("MAX_UPLOAD_BYTES", "53687091200001"),
        ("MAX_UPLOAD_BYTES", "1GiB"),
        ("UPLOADS_PER_USER_PER_DAY", "0"),
        ("UPLOADS_PER_USER_PER_DAY", "-1"),
        ("UPLOAD_QUOTA_TABLE", " "),
        ("PLAYBACK_URL", "d111111abcdef8.cloudfront.net"),
        ("JOB_OUTPUT_TABLE", " "),
        ("OUTPUT_BUCKET", " "),
        ("TTL_DAYS", "0"),
        ("STATUS_UPDATE_INTERVAL_SECONDS", "11"),
        ("SIGN_IN_KIND", "saml"),
        ("SIGN_IN_URL", "http://issuer.example.com"),
        ("SIGN_IN_URL", "https://issuer.example.com;script-src *"),
        ("SIGN_IN_CLIENT_ID", "a\"b"),
    ] {
        let err = StatusApiConfig::load(&vars(&with(&api, name, bad))).unwrap_err();
        assert!(err.to_string().contains(name), "{name}={bad:?}: {err}");
        let err = StatusApiConfig::load(&vars(&without(&api, name))).unwrap_err();
        assert!(err.to_string().contains(name), "{name}: {err}");
    }
    assert_eq!(
        StatusApiConfig::load(&vars(&with(&api, "MAX_UPLOAD_BYTES", "5368709120")))
            .unwrap()
            .max_upload_bytes,
        5 << 30
    );
    for bad in ["uploads", "/uploads/", "/", " "] {
        let err = StatusApiConfig::load(&vars(&with(&api, "UPLOAD_PREFIX", bad))).unwrap_err();
        assert!(err.to_string().contains("UPLOAD_PREFIX"), "{bad:?}: {err}");
    }
    let err = StatusApiConfig::load(&vars(&without(&api, "UPLOAD_PREFIX"))).unwrap_err();
    assert!(err.to_string().contains("UPLOAD_PREFIX"), "{err}");
    // .avi: no video content type is known for it, so no upload URL could sign one.
    for bad in ["mp4", ",", ".mp4,mov", ".mp4,.avi"] {
        let err = StatusApiConfig::load(&vars(&with(&api, "VIDEO_SUFFIXES", bad))).unwrap_err();
        assert!(err.to_string().contains("VIDEO_SUFFIXES"), "{err}");
    }
    let err = StatusApiConfig::load(&vars(&without(&api, "INPUT_BUCKET"))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "environment variable INPUT_BUCKET is not set"
    );
}

#[test]
fn the_log_filter_caps_the_sdk_http_and_signing_targets_whatever_rust_log_says() {
    for rust_log in [
        None,
        Some("trace"),
        Some("aws_smithy_runtime::client::orchestrator=trace,trace"),
        Some("aws_sigv4,hyper_util=trace,aws=trace,debug"),
        Some("[{job_id}]=trace"),
    ] {
        let filter = handlers::log_filter(rust_log).to_string();
        for target in handlers::CAPPED_TARGETS
            .iter()
            .chain(handlers::CAPPED_TRANSPORT_TARGETS.iter())
        {
            assert!(
                filter.split(',').any(|d| d == format!("{target}=info")),
                "{rust_log:?}: {target} is not capped in {filter}"
            );
        }
        for directive in filter.split(',') {
            let target = directive.split(['[', '=']).next().unwrap_or_default();
            let capped = handlers::CAPPED_TARGETS
                .iter()
                .chain(handlers::CAPPED_TRANSPORT_TARGETS.iter())
                .any(|c| target.starts_with(c));
            assert!(
                !capped || directive.ends_with("=info"),
                "{rust_log:?}: {directive} lifts a cap"
            );
        }
    }
}

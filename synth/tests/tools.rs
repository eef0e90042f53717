//! cfn-lint and checkov on the synthesized YAML, as a reviewer would run them. Both are
//! pinned in `scripts/requirements-tools.txt`; a missing tool fails the test (testkit says how
//! to install it). Each tool runs once: checkov takes seconds.

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

/// The stack written to a fresh temp dir (the tools' working directory, so no config file of
/// the repo or the machine changes their behaviour).
fn stack_in_temp_dir(tool: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("synth-{tool}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("stack.yaml");
    std::fs::write(&file, synth::stack::stack().to_yaml().unwrap()).unwrap();
    (dir, file)
}

#[test]
fn cfn_lint_reports_nothing() {
    let cfn_lint = testkit::tool("cfn-lint");
    let (dir, file) = stack_in_temp_dir("cfn-lint");
    let out = Command::new(cfn_lint)
        .arg(&file)
        .current_dir(&dir)
        .output()
        .expect("cfn-lint runs");
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "cfn-lint findings (exit {:?}):\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Skips are allowed only with a reason, and never for these subjects (matched on checkov's
/// check names, lower case).
const NEVER_SKIPPED: [&str; 12] = [
    "iam",
    "policy",
    "policies",
    "privilege",
    "public",
    "secure transport",
    "tls",
    "ssl",
    "https",
    "retention",
    "retain",
    "permission",
];

/// The checks skipped anywhere in the stack, each for a reason written where it is skipped.
/// A new kind of skip is a decision to review, not a side effect: it fails here first.
const SKIPPED_CHECKS: [&str; 12] = [
    "CKV_AWS_115", // Lambda reserved concurrency
    "CKV_AWS_116", // Lambda DLQ, for the synchronously invoked status-api
    "CKV_AWS_117", // Lambda in a VPC
    "CKV_AWS_119", // DynamoDB customer-managed KMS key
    "CKV_AWS_158", // CloudWatch log group customer-managed KMS key
    "CKV_AWS_174", // CloudFront TLS policy: fixed by CloudFront with the default certificate
    "CKV_AWS_173", // Lambda environment customer-managed KMS key
    "CKV_AWS_18",  // access logging of the access-log bucket itself
    "CKV_AWS_26",  // SNS alarm topic KMS key (CloudWatch cannot use aws/sns)
    "CKV_AWS_27",  // SQS customer-managed KMS key
    "CKV_AWS_68",  // CloudFront WAF, billed monthly while idle
    "CKV_AWS_86",  // CloudFront access logs: ACL-enabled bucket or paid vended logs
];

/// The one TLS check that may be skipped: checkov fails every distribution on CloudFront's
/// default certificate, whose security policy CloudFront sets whatever the template says.
/// Only an alternate domain name with its own certificate passes; the stage has none.
const DEFAULT_CERTIFICATE_TLS_CHECK: &str = "CKV_AWS_174";

#[test]
fn checkov_fails_nothing_and_skips_only_with_reasons() {
    let checkov = testkit::tool("checkov");
    let (dir, file) = stack_in_temp_dir("checkov");
    let out = Command::new(checkov)
        .args([
            "--framework",
            "cloudformation",
            "--skip-download",
            "-o",
            "json",
            "-f",
        ])
        .arg(&file)
        .current_dir(&dir)
        // Offline: no guideline mapping download, no platform API key.
        .env("BC_SKIP_MAPPING", "TRUE")
        .env_remove("BC_API_KEY")
        .output()
        .expect("checkov runs");
    std::fs::remove_dir_all(&dir).unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "checkov printed no JSON report ({e}):\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let summary = &report["summary"];
    let failed: Vec<String> = report["results"]["failed_checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {} on {}", c["check_id"], c["check_name"], c["resource"]))
        .collect();
    assert!(
        failed.is_empty(),
        "checkov failures:\n{}",
        failed.join("\n")
    );
    assert_eq!(summary["parsing_errors"], 0);
    assert!(
        summary["passed"].as_u64().unwrap() > 50,
        "checkov checked: {summary}"
    );
    let resources = synth::stack::stack().resource_count() as u64;
    assert_eq!(
        summary["resource_count"].as_u64(),
        Some(resources),
        "every resource scanned"
    );
    let skipped: std::collections::BTreeSet<&str> = report["results"]["skipped_checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["check_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        skipped,
        SKIPPED_CHECKS.into_iter().collect(),
        "the kinds of checkov skips changed"
    );
    for skip in report["results"]["skipped_checks"].as_array().unwrap() {
        let name = skip["check_name"].as_str().unwrap().to_lowercase();
        let id = &skip["check_id"];
        let reason = skip["check_result"]["suppress_comment"]
            .as_str()
            .unwrap_or("");
        assert!(
            reason.len() > 40,
            "{id} on {} is skipped without a reason",
            skip["resource"]
        );
        if *id == DEFAULT_CERTIFICATE_TLS_CHECK {
            assert_eq!(
                skip["resource"], "AWS::CloudFront::Distribution.PlaybackDistribution",
                "{id} is skipped only on the default-certificate distribution"
            );
            continue;
        }
        for subject in NEVER_SKIPPED {
            assert!(
                !name.contains(subject),
                "{id} ({name}) on {} must not be skipped",
                skip["resource"]
            );
        }
    }
}

//! The stack side of issue 8.1 (delivery): CloudFront serves the output bucket's HLS prefix
//! and nothing else, HTTPS only, with the stage's CORS; checked on the synthesized template
//! read back as JSON. Each test names the rule it guards.

mod common;

use common::*;
use serde_json::{Value, json};

const DISTRIBUTION: &str = "PlaybackDistribution";
const OUTPUT_BUCKET: &str = "OutputBucket";
const CLOUDFRONT: &str = "cloudfront.amazonaws.com";

fn distribution_config(t: &Value) -> &Value {
    let found = resources(t, "AWS::CloudFront::Distribution");
    assert_eq!(found.len(), 1, "exactly one distribution");
    assert_eq!(found[0].0, DISTRIBUTION);
    &found[0].1["Properties"]["DistributionConfig"]
}

/// Every `(bucket policy id, statement)` of the stack.
fn bucket_policy_statements(t: &Value) -> Vec<(String, Value)> {
    resources(t, "AWS::S3::BucketPolicy")
        .into_iter()
        .flat_map(|(id, r)| {
            as_list(&r["Properties"]["PolicyDocument"]["Statement"])
                .into_iter()
                .map(move |s| (id.to_owned(), s))
        })
        .collect()
}

fn principal_is(statement: &Value, service: &str) -> bool {
    as_list(&statement["Principal"]["Service"]).contains(&json!(service))
}

/// A Resource of a policy as the ARN pattern IAM evaluates, with each bucket's ARN written
/// `arn:aws:s3:::<logical id>`.
fn arn_pattern(resource: &Value) -> String {
    let sub = |s: &str| {
        let mut out = s.replace("${AWS::Partition}", "aws");
        while let Some(start) = out.find("${") {
            let end = start + out[start..].find('}').expect("closed ${");
            let name = &out[start + 2..end];
            let id = name
                .strip_suffix(".Arn")
                .unwrap_or_else(|| panic!("unexpected variable {name}"));
            out.replace_range(start..=end, &format!("arn:aws:s3:::{id}"));
        }
        out
    };
    match resource {
        Value::String(s) => s.clone(),
        Value::Object(m) if m.contains_key("Fn::Sub") => sub(m["Fn::Sub"].as_str().unwrap()),
        Value::Object(m) if m.contains_key("Fn::GetAtt") => {
            format!("arn:aws:s3:::{}", m["Fn::GetAtt"][0].as_str().unwrap())
        }
        other => panic!("unexpected Resource {other}"),
    }
}

/// IAM's ARN matching: `*` any run of characters (slashes too), `?` one character.
fn arn_matches(pattern: &str, arn: &str) -> bool {
    fn go(p: &[u8], s: &[u8]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some((b'*', rest)) => (0..=s.len()).any(|i| go(rest, &s[i..])),
            Some((b'?', rest)) => !s.is_empty() && go(rest, &s[1..]),
            Some((c, rest)) => s.first() == Some(c) && go(rest, &s[1..]),
        }
    }
    go(pattern.as_bytes(), arn.as_bytes())
}

/// Whether some Allow statement for CloudFront in any bucket policy lets it GetObject `arn`.
fn cloudfront_may_get(t: &Value, arn: &str) -> bool {
    bucket_policy_statements(t).iter().any(|(_, s)| {
        s["Effect"] == "Allow"
            && principal_is(s, CLOUDFRONT)
            && as_list(&s["Action"])
                .iter()
                .any(|a| arn_matches(a.as_str().unwrap(), "s3:GetObject"))
            && as_list(&s["Resource"])
                .iter()
                .any(|r| arn_matches(&arn_pattern(r), arn))
    })
}

#[test]
fn the_only_origin_is_the_output_bucket_through_the_oac_at_the_hls_path() {
    let t = template();
    let config = distribution_config(&t);
    let origins = as_list(&config["Origins"]);
    assert_eq!(origins.len(), 1, "one origin: {origins:?}");
    let origin = &origins[0];
    assert_eq!(
        origin["DomainName"],
        get_att(OUTPUT_BUCKET, "RegionalDomainName")
    );
    assert_eq!(origin["OriginPath"], "/hls");
    assert_eq!(
        format!("{}/", origin["OriginPath"].as_str().unwrap()),
        format!("/{}", wiring::PLAYBACK_PREFIX),
        "the origin path is the shared playback prefix"
    );
    // OAC, not a legacy origin access identity, and no custom (public website) origin.
    assert_eq!(origin["S3OriginConfig"]["OriginAccessIdentity"], "");
    assert!(origin["CustomOriginConfig"].is_null());
    let (oac_id, oac) = resources(&t, "AWS::CloudFront::OriginAccessControl")[0];
    assert_eq!(origin["OriginAccessControlId"], get_att(oac_id, "Id"));
    let oac = &oac["Properties"]["OriginAccessControlConfig"];
    assert_eq!(oac["OriginAccessControlOriginType"], "s3");
    assert_eq!(oac["SigningBehavior"], "always");
    assert_eq!(oac["SigningProtocol"], "sigv4");
    assert_eq!(
        config["DefaultCacheBehavior"]["TargetOriginId"],
        origin["Id"]
    );
    assert!(
        config["CacheBehaviors"].is_null(),
        "the default behaviour is the only one"
    );
}

#[test]
fn viewers_use_https_only_and_only_read() {
    let t = template();
    let config = distribution_config(&t);
    let behaviour = &config["DefaultCacheBehavior"];
    assert_eq!(behaviour["ViewerProtocolPolicy"], "https-only");
    assert_eq!(behaviour["AllowedMethods"], json!(["GET", "HEAD"]));
    assert_eq!(behaviour["CachedMethods"], json!(["GET", "HEAD"]));
    // CloudFront's managed CachingOptimized policy (documented id).
    assert_eq!(
        behaviour["CachePolicyId"],
        "658327ea-f89d-4fab-a63d-7e88639e58f6"
    );
    assert_eq!(config["HttpVersion"], "http2and3");
    assert_eq!(config["IPV6Enabled"], true);
    assert_eq!(config["PriceClass"], "PriceClass_100");
}

#[test]
fn cloudfront_may_only_get_objects_under_hls_of_the_output_bucket_from_this_distribution() {
    let t = template();
    let grants: Vec<(String, Value)> = bucket_policy_statements(&t)
        .into_iter()
        .filter(|(_, s)| s["Effect"] == "Allow" && principal_is(s, CLOUDFRONT))
        .collect();
    assert_eq!(grants.len(), 1, "one CloudFront grant: {grants:?}");
    let (policy, grant) = &grants[0];
    assert_eq!(policy, "OutputBucketPolicy");
    assert_eq!(props(&t, policy)["Bucket"], reference(OUTPUT_BUCKET));
    assert_eq!(grant["Action"], json!(["s3:GetObject"]));
    assert_eq!(
        as_list(&grant["Resource"]),
        vec![
            json!({ "Fn::Sub": format!("${{{OUTPUT_BUCKET}.Arn}}/{}*", wiring::PLAYBACK_PREFIX) })
        ]
    );
    assert_eq!(
        grant["Condition"],
        json!({ "StringEquals": { "AWS:SourceArn": { "Fn::Sub": format!(
            "arn:${{AWS::Partition}}:cloudfront::${{AWS::AccountId}}:distribution/${{{DISTRIBUTION}}}"
        ) } } })
    );
    // No statement anywhere lets anyone else (or everyone) in.
    for (policy, s) in bucket_policy_statements(&t) {
        if s["Principal"] == "*" {
            assert_eq!(s["Effect"], "Deny", "{policy}: {s}");
        }
    }
}

#[test]
fn key_files_are_outside_what_cloudfront_may_read() {
    let t = template();
    let bucket = format!("arn:aws:s3:::{OUTPUT_BUCKET}");
    let key = format!("{bucket}/{}job-1/x.key", wiring::KEY_FILE_PREFIX);
    let playlist = format!("{bucket}/{}job-1/index.m3u8", wiring::PLAYBACK_PREFIX);
    assert!(
        cloudfront_may_get(&t, &playlist),
        "the evaluation admits what the distribution serves"
    );
    assert!(!cloudfront_may_get(&t, &key), "CloudFront may read {key}");
    for other in ["job-1/x.key", "hlsx/a.ts", "hls", "info.json"] {
        let arn = format!("{bucket}/{other}");
        assert!(!cloudfront_may_get(&t, &arn), "CloudFront may read {arn}");
    }
    assert!(
        !wiring::KEY_FILE_PREFIX.starts_with(wiring::PLAYBACK_PREFIX)
            && !wiring::PLAYBACK_PREFIX.starts_with(wiring::KEY_FILE_PREFIX),
        "the key and playback prefixes are disjoint"
    );
}

/// The four public-access blocks of every bucket are checked in invariants.rs.
#[test]
fn the_output_bucket_stays_owner_enforced_and_no_website() {
    let t = template();
    let bucket = props(&t, OUTPUT_BUCKET);
    assert_eq!(
        bucket["OwnershipControls"]["Rules"][0]["ObjectOwnership"],
        "BucketOwnerEnforced"
    );
    assert!(bucket["WebsiteConfiguration"].is_null());
}

#[test]
fn cors_origins_come_from_allowed_origins() {
    let t = template();
    let config = distribution_config(&t);
    let (policy_id, policy) = resources(&t, "AWS::CloudFront::ResponseHeadersPolicy")[0];
    assert_eq!(
        config["DefaultCacheBehavior"]["ResponseHeadersPolicyId"],
        get_att(policy_id, "Id")
    );
    let policy = &policy["Properties"]["ResponseHeadersPolicyConfig"];
    let cors = &policy["CorsConfig"];
    assert_eq!(
        cors["AccessControlAllowOrigins"]["Items"],
        json!({ "Fn::Split": [",", { "Fn::Join": [",", [
            { "Fn::Join": [",", reference("AllowedOrigins")] },
            get_att("HttpApi", "ApiEndpoint")
        ]] }] }),
        "the stage's front ends and the page the API serves"
    );
    assert_eq!(
        cors["AccessControlAllowMethods"]["Items"],
        json!(["GET", "HEAD"])
    );
    assert_eq!(cors["AccessControlAllowCredentials"], false);
    let exposed = as_list(&cors["AccessControlExposeHeaders"]["Items"]);
    assert!(
        exposed.contains(&json!("Content-Length")) && exposed.contains(&json!("Content-Range"))
    );
    assert!(cors["AccessControlMaxAgeSec"].as_i64().unwrap() > 0);
    let security = &policy["SecurityHeadersConfig"];
    assert_eq!(security["ContentTypeOptions"]["Override"], true);
    assert!(
        security["StrictTransportSecurity"]["AccessControlMaxAgeSec"]
            .as_i64()
            .unwrap()
            >= 31_536_000,
        "HSTS for at least a year"
    );
}

#[test]
fn outputs_name_the_playback_url_and_distribution() {
    let t = template();
    let outputs = &t["Outputs"];
    assert_eq!(
        outputs["PlaybackBaseUrl"]["Value"],
        json!({ "Fn::Sub": format!("https://${{{DISTRIBUTION}.DomainName}}") })
    );
    assert_eq!(
        outputs["PlaybackDistributionId"]["Value"],
        reference(DISTRIBUTION)
    );
}

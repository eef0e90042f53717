//! The stack side of issue 7 (sign-in, ownership, upload limits, blast radius), checked on
//! the synthesized template read back as JSON. Each test names the rule it guards.

mod common;

use common::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

const UPLOAD_PREFIX: &str = "uploads/";
const COGNITO_TYPES: [&str; 3] = [
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient",
    "AWS::Cognito::UserPoolDomain",
];

fn only<'a>(t: &'a Value, type_name: &str) -> (&'a str, &'a Value) {
    let found = resources(t, type_name);
    assert_eq!(found.len(), 1, "exactly one {type_name}");
    found[0]
}

// ---- parameters and conditions ----

#[test]
fn upload_limit_parameters_have_their_defaults_and_bounds() {
    let t = template();
    let p = &t["Parameters"];
    let number = |name: &str, default: &str, min: i64, max: i64| {
        assert_eq!(p[name]["Type"], "Number", "{name}");
        assert_eq!(p[name]["Default"], default, "{name}");
        assert_eq!(p[name]["MinValue"], min, "{name}");
        assert_eq!(p[name]["MaxValue"], max, "{name}");
    };
    // 8 GiB by default; never above what S3's 10,000 parts of 5 GiB can make.
    number(
        "MaxUploadBytes",
        "8589934592",
        1,
        10_000 * 5 * 1024 * 1024 * 1024,
    );
    number("UploadsPerUserPerDay", "20", 1, 10000);
    number("InputRetentionDays", "7", 1, 3650);
    let why = p["MaxUploadBytes"]["Description"].as_str().unwrap();
    assert!(
        why.contains("8 GiB") && why.contains("48.8 TiB"),
        "the default is justified against S3's object limit: {why}"
    );
}

#[test]
fn sign_in_parameters_default_to_a_closed_cognito_pool() {
    let t = template();
    let p = &t["Parameters"];
    assert_eq!(p["SelfSignUp"]["Default"], "false");
    assert_eq!(p["SelfSignUp"]["AllowedValues"], json!(["false", "true"]));
    for name in ["OidcIssuer", "OidcAudience"] {
        assert_eq!(p[name]["Type"], "String", "{name}");
        assert_eq!(
            p[name]["Default"], "",
            "{name}: empty means the stack's own pool"
        );
    }
    let issuer = regex_lite(p["OidcIssuer"]["AllowedPattern"].as_str().unwrap());
    assert!(issuer("") && issuer("https://issuer.example.com/realms/x"));
    assert!(!issuer("http://issuer.example.com") && !issuer("https://a b"));
}

/// The two patterns the sign-in parameters use, evaluated for the few inputs tested
/// (no regex engine in the dependencies).
fn regex_lite(pattern: &str) -> impl Fn(&str) -> bool {
    let pattern = pattern.to_owned();
    move |s: &str| match pattern.as_str() {
        r"^(https://[^\s,]+)?$" => {
            s.is_empty()
                || s.strip_prefix("https://").is_some_and(|rest| {
                    !rest.is_empty() && !rest.contains(|c: char| c.is_whitespace() || c == ',')
                })
        }
        r"^[^\s,]*$" => !s.contains(|c: char| c.is_whitespace() || c == ','),
        other => panic!("pattern changed, update this test: {other}"),
    }
}

#[test]
fn conditions_follow_the_sign_in_parameters() {
    let t = template();
    let c = &t["Conditions"];
    assert_eq!(
        c["CreateUserPool"],
        json!({ "Fn::Equals": [reference("OidcIssuer"), ""] })
    );
    assert_eq!(
        c["AllowSelfSignUp"],
        json!({ "Fn::Equals": [reference("SelfSignUp"), "true"] })
    );
}

/// Evaluates a rule's condition or assertion (Fn::Not, Fn::Equals, Ref) for given parameters.
fn holds(v: &Value, params: &[(&str, &str)]) -> Value {
    let m = match v {
        Value::Object(m) => m,
        other => return other.clone(),
    };
    if let Some(Value::String(name)) = m.get("Ref") {
        let (_, value) = params.iter().find(|(k, _)| k == name).expect("a parameter");
        return json!(value);
    }
    if let Some(args) = m.get("Fn::Equals") {
        return json!(holds(&args[0], params) == holds(&args[1], params));
    }
    if let Some(args) = m.get("Fn::Not") {
        return json!(holds(&args[0], params) == json!(false));
    }
    panic!("a rule uses an intrinsic this test does not evaluate: {v}")
}

/// The rule violations of a stage with these OIDC parameters.
fn refused(t: &Value, issuer: &str, audience: &str) -> Vec<String> {
    let params = [("OidcIssuer", issuer), ("OidcAudience", audience)];
    let mut refused = Vec::new();
    for (id, rule) in t["Rules"].as_object().unwrap() {
        let applies = rule
            .get("RuleCondition")
            .is_none_or(|c| holds(c, &params) == json!(true));
        for a in as_list(&rule["Assertions"]) {
            if applies && holds(&a["Assert"], &params) != json!(true) {
                assert!(a["AssertDescription"].as_str().unwrap().len() > 20, "{id}");
                refused.push(id.clone());
            }
        }
    }
    refused
}

#[test]
fn half_an_oidc_configuration_is_refused_before_any_change() {
    let t = template();
    let issuer = "https://issuer.example.com";
    assert!(refused(&t, "", "").is_empty(), "the stack's own pool");
    assert!(refused(&t, issuer, "client").is_empty(), "OIDC mode");
    assert_eq!(refused(&t, issuer, ""), vec!["OidcIssuerNeedsAudience"]);
    assert_eq!(refused(&t, "", "client"), vec!["OidcAudienceNeedsIssuer"]);
}

/// CloudFormation refuses (at deploy time, in the mode that leaves the resource out) a Ref,
/// GetAtt or Sub variable naming a conditional resource from anywhere that may exist without
/// it. Such a reference must sit under the same condition or in the matching branch of an
/// `Fn::If` on it.
#[test]
fn conditional_resources_are_referenced_only_where_they_exist() {
    let t = template();
    let conditional: Vec<(String, String)> = t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter_map(|(id, r)| Some((id.clone(), r["Condition"].as_str()?.to_owned())))
        .collect();
    assert!(
        conditional.len() >= 3,
        "the Cognito resources are conditional"
    );
    let places = t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .chain(t["Outputs"].as_object().unwrap().iter());
    for (place, value) in places {
        let held: BTreeSet<String> = value["Condition"]
            .as_str()
            .into_iter()
            .map(str::to_owned)
            .collect();
        let mut refs = Vec::new();
        guarded_refs(value, &held, &mut refs);
        for (resource, condition) in &conditional {
            for (id, guards) in &refs {
                assert!(
                    id != resource || guards.contains(condition),
                    "{place} references {resource} outside condition {condition}"
                );
            }
        }
    }
}

/// Ids referenced in `v`, each with the conditions known to hold where it is referenced:
/// `held` (the place's own condition) plus those of the `Fn::If`s whose `then` branch holds it.
fn guarded_refs(v: &Value, held: &BTreeSet<String>, out: &mut Vec<(String, BTreeSet<String>)>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| guarded_refs(i, held, out)),
        Value::Object(m) => {
            if let Some(Value::Array(args)) = m.get("Fn::If") {
                let mut inner = held.clone();
                inner.insert(args[0].as_str().unwrap().to_owned());
                guarded_refs(&args[1], &inner, out);
                guarded_refs(&args[2], held, out);
                return;
            }
            out.extend(direct_refs(m).into_iter().map(|id| (id, held.clone())));
            m.values().for_each(|i| guarded_refs(i, held, out));
        }
        _ => {}
    }
}

// ---- Cognito ----

#[test]
fn cognito_pool_client_and_domain_exist_only_without_an_external_issuer() {
    let t = template();
    for kind in COGNITO_TYPES {
        let (id, r) = only(&t, kind);
        assert_eq!(r["Condition"], "CreateUserPool", "{id}");
    }
    for (id, r) in t["Resources"].as_object().unwrap() {
        if r["Condition"] == "CreateUserPool" {
            assert!(
                COGNITO_TYPES.contains(&r["Type"].as_str().unwrap()),
                "{id}: only the pool, its client and domain depend on CreateUserPool"
            );
        }
    }
}

#[test]
fn user_pool_signs_in_by_verified_email_and_only_admins_add_users_by_default() {
    let t = template();
    let (id, pool) = only(&t, "AWS::Cognito::UserPool");
    let p = &pool["Properties"];
    assert_eq!(p["UsernameAttributes"], json!(["email"]), "{id}");
    assert_eq!(p["AutoVerifiedAttributes"], json!(["email"]));
    assert_eq!(p["UsernameConfiguration"]["CaseSensitive"], false);
    assert_eq!(
        p["UserAttributeUpdateSettings"]["AttributesRequireVerificationBeforeUpdate"],
        json!(["email"]),
        "a changed address counts only once verified"
    );
    assert_eq!(
        p["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"],
        json!({ "Fn::If": ["AllowSelfSignUp", false, true] })
    );
    let password = &p["Policies"]["PasswordPolicy"];
    assert!(password["MinimumLength"].as_i64().unwrap() >= 12);
    assert!(password["TemporaryPasswordValidityDays"].as_i64().unwrap() <= 7);
    assert_eq!(
        p["AccountRecoverySetting"]["RecoveryMechanisms"],
        json!([{ "Name": "verified_email", "Priority": 1 }])
    );
    assert!(
        p.get("LambdaConfig").is_none() && p.get("SmsConfiguration").is_none(),
        "no triggers, no SMS"
    );
}

#[test]
fn user_pool_outlives_the_stack_and_replacements() {
    let t = template();
    let (_, pool) = only(&t, "AWS::Cognito::UserPool");
    assert_eq!(pool["DeletionPolicy"], "Retain");
    assert_eq!(pool["UpdateReplacePolicy"], "Retain");
}

#[test]
fn browser_client_is_public_code_flow_for_the_stages_origins() {
    let t = template();
    let (pool_id, _) = only(&t, "AWS::Cognito::UserPool");
    let (_, client) = only(&t, "AWS::Cognito::UserPoolClient");
    let p = &client["Properties"];
    assert_eq!(p["UserPoolId"], reference(pool_id));
    assert_eq!(p["GenerateSecret"], false, "a browser keeps no secret");
    assert_eq!(p["AllowedOAuthFlows"], json!(["code"]), "no implicit flow");
    assert_eq!(p["AllowedOAuthFlowsUserPoolClient"], true);
    assert_eq!(p["AllowedOAuthScopes"], json!(["openid", "email"]));
    assert_eq!(p["SupportedIdentityProviders"], json!(["COGNITO"]));
    // The stage's front ends and the page the API serves at its root.
    let urls = json!({ "Fn::Split": [",", { "Fn::Join": [",", [
            { "Fn::Join": [",", reference("AllowedOrigins")] },
            get_att("HttpApi", "ApiEndpoint")
        ]] }] });
    assert_eq!(p["CallbackURLs"], urls);
    assert_eq!(p["LogoutURLs"], urls);
    assert_eq!(p["PreventUserExistenceErrors"], "ENABLED");
    assert_eq!(
        p["ExplicitAuthFlows"],
        json!(["ALLOW_REFRESH_TOKEN_AUTH"]),
        "the hosted UI needs no direct flow; password flows stay off"
    );
}

/// Evaluates the few intrinsics a domain prefix may use, for a given stack id.
fn evaluate(v: &Value, stack_id: &str) -> Value {
    let Some(m) = v.as_object() else {
        return v.clone();
    };
    if let Some(args) = m.get("Fn::Join") {
        let parts: Vec<String> = args[1]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| evaluate(p, stack_id).as_str().unwrap().to_owned())
            .collect();
        return json!(parts.join(args[0].as_str().unwrap()));
    }
    if let Some(args) = m.get("Fn::Select") {
        let list = evaluate(&args[1], stack_id);
        return list[args[0].as_u64().unwrap() as usize].clone();
    }
    if let Some(args) = m.get("Fn::Split") {
        let source = evaluate(&args[1], stack_id);
        let parts: Vec<&str> = source
            .as_str()
            .unwrap()
            .split(args[0].as_str().unwrap())
            .collect();
        return json!(parts);
    }
    if m.get("Ref") == Some(&json!("AWS::StackId")) {
        return json!(stack_id);
    }
    panic!("the domain prefix uses an intrinsic this test does not evaluate: {v}")
}

#[test]
fn hosted_ui_domain_prefix_is_unique_per_stack_and_valid_for_cognito() {
    let t = template();
    let (pool_id, _) = only(&t, "AWS::Cognito::UserPool");
    let (_, domain) = only(&t, "AWS::Cognito::UserPoolDomain");
    let p = &domain["Properties"];
    assert_eq!(p["UserPoolId"], reference(pool_id));
    let ids = [
        "arn:aws:cloudformation:us-east-1:123456789012:stack/vod-progress-dev/51af3dc0-da77-11e4-872e-1234567db123",
        "arn:aws:cloudformation:eu-west-1:123456789012:stack/Vod-Progress-PROD/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    ];
    let prefixes: Vec<String> = ids
        .iter()
        .map(|id| evaluate(&p["Domain"], id).as_str().unwrap().to_owned())
        .collect();
    assert_ne!(prefixes[0], prefixes[1], "two stacks, two domains");
    for prefix in &prefixes {
        assert!(prefix.len() <= 63, "{prefix}: at most 63 characters");
        assert!(
            prefix
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{prefix}: lower case letters, digits and hyphens"
        );
        assert!(
            !prefix.starts_with('-') && !prefix.ends_with('-'),
            "{prefix}: starts and ends with a letter or digit"
        );
        for reserved in ["aws", "amazon", "cognito"] {
            assert!(
                !prefix.contains(reserved),
                "{prefix}: Cognito refuses `{reserved}`"
            );
        }
    }
}

// ---- the HTTP API ----

#[test]
fn jwt_authorizer_trusts_the_pool_or_the_given_issuer() {
    let t = template();
    let (pool_id, _) = only(&t, "AWS::Cognito::UserPool");
    let (client_id, _) = only(&t, "AWS::Cognito::UserPoolClient");
    let (api_id, _) = only(&t, "AWS::ApiGatewayV2::Api");
    let (_, authorizer) = only(&t, "AWS::ApiGatewayV2::Authorizer");
    let p = &authorizer["Properties"];
    assert_eq!(p["ApiId"], reference(api_id));
    assert_eq!(p["AuthorizerType"], "JWT");
    assert_eq!(
        p["IdentitySource"],
        json!(["$request.header.Authorization"])
    );
    assert_eq!(
        p["JwtConfiguration"]["Issuer"],
        json!({ "Fn::If": [
            "CreateUserPool",
            { "Fn::Sub": format!("https://cognito-idp.${{AWS::Region}}.amazonaws.com/${{{pool_id}}}") },
            reference("OidcIssuer")
        ] })
    );
    assert_eq!(
        p["JwtConfiguration"]["Audience"],
        json!([{ "Fn::If": ["CreateUserPool", reference(client_id), reference("OidcAudience")] }])
    );
}

#[test]
fn every_route_but_the_page_requires_a_token_from_the_authorizer() {
    let t = template();
    let (authorizer, _) = only(&t, "AWS::ApiGatewayV2::Authorizer");
    let routes = resources(&t, "AWS::ApiGatewayV2::Route");
    let keys: BTreeSet<&str> = routes
        .iter()
        .map(|(_, r)| r["Properties"]["RouteKey"].as_str().unwrap())
        .collect();
    assert!(
        keys.is_superset(&["GET /jobs", "GET /jobs/{jobId}", "POST /uploads"].into()),
        "{keys:?}"
    );
    // The page and its assets are public: the page signs in by itself.
    let public = ["GET /", "GET /assets/{file}"];
    for (id, r) in routes {
        if public.contains(&r["Properties"]["RouteKey"].as_str().unwrap()) {
            assert_eq!(r["Properties"]["AuthorizationType"], "NONE", "{id}");
            assert!(r["Properties"].get("AuthorizerId").is_none(), "{id}");
            continue;
        }
        assert_eq!(r["Properties"]["AuthorizationType"], "JWT", "{id}");
        assert_eq!(
            r["Properties"]["AuthorizerId"],
            reference(authorizer),
            "{id}"
        );
    }
}

#[test]
fn cors_lets_browsers_send_the_token() {
    let t = template();
    let (_, api) = only(&t, "AWS::ApiGatewayV2::Api");
    let headers = as_list(&api["Properties"]["CorsConfiguration"]["AllowHeaders"]);
    assert!(headers.contains(&json!("authorization")), "{headers:?}");
    assert!(headers.contains(&json!("content-type")), "{headers:?}");
}

#[test]
fn uploads_route_has_its_own_lower_throttle() {
    let t = template();
    let (_, stage) = only(&t, "AWS::ApiGatewayV2::Stage");
    let p = &stage["Properties"];
    let default = &p["DefaultRouteSettings"];
    let uploads = &p["RouteSettings"]["POST /uploads"];
    let burst = uploads["ThrottlingBurstLimit"].as_i64().unwrap();
    let rate = uploads["ThrottlingRateLimit"].as_f64().unwrap();
    assert!(burst > 0 && burst < default["ThrottlingBurstLimit"].as_i64().unwrap());
    assert!(rate > 0.0 && rate < default["ThrottlingRateLimit"].as_f64().unwrap());
    let settings = p["RouteSettings"].as_object().unwrap();
    assert_eq!(settings.len(), 1, "only the upload route is set apart");
    let (route, _) = resources(&t, "AWS::ApiGatewayV2::Route")
        .into_iter()
        .find(|(_, r)| r["Properties"]["RouteKey"] == "POST /uploads")
        .unwrap();
    assert!(
        as_list(&stage["DependsOn"]).contains(&json!(route)),
        "API Gateway refuses settings for a route it does not know yet: the stage waits"
    );
}

// ---- upload limits, listing and quota ----

#[test]
fn status_api_gets_the_upload_limits() {
    let t = template();
    let env = env(&t, "StatusApiFunction");
    assert_eq!(env["MAX_UPLOAD_BYTES"], reference("MaxUploadBytes"));
    assert_eq!(
        env["UPLOADS_PER_USER_PER_DAY"],
        reference("UploadsPerUserPerDay")
    );
    assert_eq!(env["UPLOAD_QUOTA_TABLE"], reference("UploadQuotaTable"));
}

/// Every grant of every role, as `(role, action, resource)`.
fn all_grants(t: &Value) -> Vec<(String, String, Value)> {
    resources(t, "AWS::IAM::Role")
        .into_iter()
        .flat_map(|(role, _)| {
            grants(t, role)
                .into_iter()
                .map(move |(a, r, _)| (role.to_owned(), a, r))
        })
        .collect()
}

#[test]
fn quota_table_counts_per_owner_and_day_and_only_status_api_updates_it() {
    let t = template();
    let p = props(&t, "UploadQuotaTable");
    assert_eq!(
        p["KeySchema"],
        json!([{ "AttributeName": "QuotaKey", "KeyType": "HASH" }])
    );
    assert_eq!(
        p["TimeToLiveSpecification"]["AttributeName"],
        "ExpirationTime"
    );
    assert_eq!(p["BillingMode"], "PAY_PER_REQUEST");
    let table = get_att("UploadQuotaTable", "Arn");
    let touching: Vec<(String, String)> = all_grants(&t)
        .into_iter()
        .filter(|(_, _, r)| r.to_string().contains("UploadQuotaTable"))
        .map(|(role, action, r)| {
            assert_eq!(r, table, "{role}: the table itself");
            (role, action)
        })
        .collect();
    assert_eq!(
        touching,
        vec![(
            "StatusApiFunctionRole".to_owned(),
            "dynamodb:UpdateItem".to_owned()
        )]
    );
}

#[test]
fn owner_index_lists_an_owners_uploads_newest_first() {
    let t = template();
    let p = props(&t, "InputFileTable");
    let indexes = as_list(&p["GlobalSecondaryIndexes"]);
    assert_eq!(indexes.len(), 1);
    let index = &indexes[0];
    assert_eq!(index["IndexName"], "OwnerIndex");
    assert_eq!(
        index["KeySchema"],
        json!([
            { "AttributeName": "Owner", "KeyType": "HASH" },
            { "AttributeName": "CreationTime", "KeyType": "RANGE" }
        ])
    );
    let projection = &index["Projection"];
    assert!(
        projection["ProjectionType"] == "ALL"
            || (projection["ProjectionType"] == "INCLUDE"
                && as_list(&projection["NonKeyAttributes"]).contains(&json!("JobId"))),
        "the listing needs each upload's JobId: {projection}"
    );
    let defined = as_list(&p["AttributeDefinitions"]);
    for (name, kind) in [("InputFile", "S"), ("Owner", "S"), ("CreationTime", "N")] {
        assert!(
            defined.contains(&json!({ "AttributeName": name, "AttributeType": kind })),
            "{name} is defined as {kind}"
        );
    }
    assert_eq!(defined.len(), 3, "only key attributes are defined");
}

#[test]
fn listing_queries_only_the_owner_index_and_nothing_scans() {
    let t = template();
    let index = json!({ "Fn::Sub": "${InputFileTable.Arn}/index/OwnerIndex" });
    let mut queries = Vec::new();
    for (role, action, resource) in all_grants(&t) {
        assert_ne!(action, "dynamodb:Scan", "{role} may scan");
        if action == "dynamodb:Query" {
            queries.push((role, resource));
        }
    }
    assert_eq!(
        queries,
        vec![("StatusApiFunctionRole".to_owned(), index)],
        "status-api queries the index, never the table"
    );
    let batch: Vec<(String, Value)> = all_grants(&t)
        .into_iter()
        .filter(|(_, a, _)| a == "dynamodb:BatchGetItem")
        .map(|(role, _, r)| (role, r))
        .collect();
    assert_eq!(
        batch,
        vec![(
            "StatusApiFunctionRole".to_owned(),
            get_att("JobStatusTable", "Arn")
        )]
    );
}

// ---- blast radius ----

#[test]
fn mediaconvert_reads_only_uploads() {
    let t = template();
    let reads: Vec<Value> = grants(&t, "MediaConvertRole")
        .into_iter()
        .filter(|(a, _, _)| a == "s3:GetObject")
        .map(|(_, r, _)| r)
        .collect();
    assert_eq!(reads.len(), 1);
    let arn = reads[0]["Fn::Sub"][0].as_str().unwrap();
    assert!(
        arn.ends_with(&format!("}}/{UPLOAD_PREFIX}*")),
        "MediaConvert reads {arn}"
    );
}

#[test]
fn uploads_expire_and_abandoned_multipart_uploads_are_aborted() {
    let t = template();
    let rules = as_list(&props(&t, "InputBucket")["LifecycleConfiguration"]["Rules"]);
    let expiring: Vec<&Value> = rules
        .iter()
        .filter(|r| r["Prefix"] == UPLOAD_PREFIX)
        .collect();
    assert_eq!(expiring.len(), 1, "{rules:?}");
    assert_eq!(expiring[0]["Status"], "Enabled");
    assert_eq!(
        expiring[0]["ExpirationInDays"],
        reference("InputRetentionDays")
    );
    assert!(
        rules.iter().any(|r| r["Status"] == "Enabled"
            && r.get("Prefix").is_none()
            && r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 1),
        "incomplete multipart uploads anywhere in the bucket go after a day"
    );
    for (id, _) in resources(&t, "AWS::S3::Bucket") {
        if id != "InputBucket" {
            let rules = as_list(&props(&t, id)["LifecycleConfiguration"]["Rules"]);
            assert!(
                rules
                    .iter()
                    .all(|r| r.get("Prefix") != Some(&json!(UPLOAD_PREFIX))),
                "{id}: the upload retention is the input bucket's alone"
            );
        }
    }
}

// ---- outputs ----

#[test]
fn outputs_tell_a_front_end_how_to_sign_in() {
    let t = template();
    let o = &t["Outputs"];
    for (name, value) in [
        ("UserPoolId", reference("UserPool")),
        ("UserPoolClientId", reference("UserPoolClient")),
        (
            "HostedUiUrl",
            json!({ "Fn::Sub": "https://${UserPoolDomain}.auth.${AWS::Region}.amazoncognito.com" }),
        ),
    ] {
        assert_eq!(o[name]["Value"], value, "{name}");
        assert_eq!(o[name]["Condition"], "CreateUserPool", "{name}");
    }
    assert_eq!(
        o["OidcIssuerUrl"]["Value"],
        props(&t, "HttpApiJwtAuthorizer")["JwtConfiguration"]["Issuer"],
        "the issuer the front end signs in with is the one the API checks"
    );
    assert!(o["OidcIssuerUrl"].get("Condition").is_none());
}

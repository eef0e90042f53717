//! Issue 17's stack side: the AppSync Event API that pushes progress, read back as JSON.

mod common;

use common::*;
use serde_json::{Value, json};

fn only<'a>(t: &'a Value, type_name: &str) -> (&'a str, &'a Value) {
    let found = resources(t, type_name);
    assert_eq!(found.len(), 1, "exactly one {type_name}");
    found[0]
}

/// `{"Fn::If": ["CreateUserPool", <pool>, <oidc>]}`: the authorizer's choice.
fn by_sign_in(pool: Value, oidc: Value) -> Value {
    json!({ "Fn::If": ["CreateUserPool", pool, oidc] })
}

fn user_mode() -> Value {
    json!({ "AuthType": by_sign_in(json!("AMAZON_COGNITO_USER_POOLS"), json!("OPENID_CONNECT")) })
}

#[test]
fn browsers_connect_and_subscribe_with_the_sign_in_and_only_iam_publishes() {
    let t = template();
    let (api, _) = only(&t, "AWS::AppSync::Api");
    let config = &props(&t, api)["EventConfig"];
    assert_eq!(config["ConnectionAuthModes"], json!([user_mode()]));
    assert_eq!(config["DefaultSubscribeAuthModes"], json!([user_mode()]));
    assert_eq!(
        config["DefaultPublishAuthModes"],
        json!([{ "AuthType": "AWS_IAM" }])
    );
    // Logs are billed per GB; the stack keeps an idle cost of zero.
    assert!(config.get("LogConfig").is_none());
    let providers = config["AuthProviders"].as_array().unwrap();
    assert_eq!(providers.len(), 2);
    assert_eq!(providers[1], json!({ "AuthType": "AWS_IAM" }));
    let no_value = json!({ "Ref": "AWS::NoValue" });
    assert_eq!(providers[0]["AuthType"], user_mode()["AuthType"]);
    assert_eq!(
        providers[0]["CognitoConfig"],
        by_sign_in(
            json!({
                "AwsRegion": { "Ref": "AWS::Region" },
                "UserPoolId": { "Ref": "UserPool" },
                "AppIdClientRegex": { "Fn::Join": ["", ["^", { "Ref": "UserPoolClient" }, "$"]] },
            }),
            no_value.clone(),
        )
    );
    assert_eq!(
        providers[0]["OpenIDConnectConfig"],
        by_sign_in(
            no_value,
            json!({ "Issuer": { "Ref": "OidcIssuer" }, "ClientId": { "Ref": "OidcAudience" } }),
        )
    );
    // The same condition picks the HTTP API's issuer.
    let (authorizer, _) = only(&t, "AWS::ApiGatewayV2::Authorizer");
    assert_eq!(
        props(&t, authorizer)["JwtConfiguration"]["Issuer"]["Fn::If"][0],
        "CreateUserPool"
    );
}

#[test]
fn the_jobs_namespace_refuses_other_owners_channels_and_browser_publishes() {
    let t = template();
    let (namespace, _) = only(&t, "AWS::AppSync::ChannelNamespace");
    let p = props(&t, namespace);
    assert_eq!(p["Name"], "jobs");
    assert_eq!(p["ApiId"], get_att("EventApi", "ApiId"));
    assert_eq!(p["PublishAuthModes"], json!([{ "AuthType": "AWS_IAM" }]));
    assert_eq!(p["SubscribeAuthModes"], json!([user_mode()]));
    let code = p["CodeHandlers"].as_str().unwrap();
    assert!(
        code.len() <= 32_768,
        "CodeHandlers is at most 32,768 characters"
    );
    assert!(code.contains("export function onSubscribe(ctx)"));
    assert!(code.contains("util.unauthorized()"));
    assert!(code.contains("segments[1] !== owner"));
    // No onPublish: events reach subscribers as job-state sent them.
    assert!(!code.contains("onPublish"));
    assert_eq!(
        code,
        std::fs::read_to_string(workspace_file("synth/src/constructs/jobs_namespace.js")).unwrap()
    );
}

#[test]
fn job_state_publishes_to_the_http_domain_and_the_page_subscribes_at_the_realtime_one() {
    let t = template();
    let job_state = env(&t, "JobStateFunction");
    assert_eq!(
        job_state["EVENTS_PUBLISH_URL"],
        json!({ "Fn::Join": ["", ["https://", get_att("EventApi", "Dns.Http"), "/event"]] })
    );
    let status_api = env(&t, "StatusApiFunction");
    assert_eq!(
        status_api["EVENTS_HTTP_DOMAIN"],
        get_att("EventApi", "Dns.Http")
    );
    assert_eq!(
        status_api["EVENTS_REALTIME_URL"],
        json!({ "Fn::Join": ["", ["wss://", get_att("EventApi", "Dns.Realtime"), "/event/realtime"]] })
    );
    // Nothing else may publish: job-state's is the only EventPublish grant.
    for (role, _) in resources(&t, "AWS::IAM::Role") {
        let publishes = grants(&t, role)
            .into_iter()
            .filter(|(a, _, _)| a.starts_with("appsync:"))
            .count();
        assert_eq!(
            publishes,
            usize::from(role == "JobStateFunctionRole"),
            "{role}"
        );
    }
}

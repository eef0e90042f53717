//! Constructs refuse wirings that would deploy but do nothing, or not deploy at all.

use synth::constructs::http_api::{HttpApiProps, JwtProps};
use synth::constructs::{Function, FunctionProps, HttpApi, Table};
use synth::model::{Expr, Template};

fn api(t: &mut Template) -> (HttpApi, Function) {
    let function = Function::new(
        t,
        "Api",
        FunctionProps {
            binary: "status-api",
            memory_mb: 128,
            timeout_seconds: 3,
            architecture: "arm64".into(),
            log_retention_days: 7.into(),
            asynchronous: false,
        },
    );
    let api = HttpApi::new(
        t,
        "Http",
        HttpApiProps {
            name: "api".into(),
            allowed_origins: Expr::strs(&["https://example.com"]),
            log_retention_days: 7.into(),
            throttling_burst_limit: 10,
            throttling_rate_limit: 5.0,
            jwt: JwtProps {
                issuer: "https://issuer.example.com".into(),
                audience: "client".into(),
            },
        },
    );
    (api, function)
}

#[test]
#[should_panic(expected = "no route `POST /missing` to throttle")]
fn throttling_a_route_that_does_not_exist_panics() {
    let mut t = Template::new("x");
    let (mut api, function) = api(&mut t);
    api.route(&mut t, "GET /x", &function);
    api.throttle_route(&mut t, "POST /missing", 1, 1.0);
}

#[test]
fn a_route_added_after_the_api_uses_its_authorizer() {
    let mut t = Template::new("x");
    let (mut api, function) = api(&mut t);
    let route = api.route(&mut t, "GET /later", &function);
    function.finish(&mut t);
    let v: serde_json::Value = serde_json::from_str(&t.to_json().expect("valid")).unwrap();
    let p = &v["Resources"][route.as_str()]["Properties"];
    assert_eq!(p["AuthorizationType"], "JWT");
    assert_eq!(
        p["AuthorizerId"],
        serde_json::json!({ "Ref": api.authorizer.as_str() })
    );
}

#[test]
#[should_panic(expected = "table `T` has no index `Missing`")]
fn granting_query_on_an_index_the_table_lacks_panics() {
    let mut t = Template::new("x");
    let table = Table::new(&mut t, "T", "Key");
    let mut function = api(&mut t).1;
    table.grant_query_index(&mut function, "Missing");
}

#[test]
#[should_panic(expected = "attribute `Key` is already a key of type S")]
fn an_index_cannot_redefine_a_key_attributes_type() {
    let mut t = Template::new("x");
    let mut table = Table::new(&mut t, "T", "Key");
    table.add_index(&mut t, "ByKey", ("Key", "N"), ("Other", "N"));
}

//! Helpers over the synthesized template, read back as plain JSON: the tests check what
//! CloudFormation will see, not the Rust types that produced it.
#![allow(dead_code)] // each test crate uses its own subset

use serde_json::Value;

pub fn template() -> Value {
    let json = synth::stack::stack()
        .to_json()
        .expect("the stack validates");
    serde_json::from_str(&json).expect("synth prints JSON")
}

/// `(logical id, resource)` of every resource of `type_name`.
pub fn resources<'a>(t: &'a Value, type_name: &str) -> Vec<(&'a str, &'a Value)> {
    t["Resources"]
        .as_object()
        .expect("Resources is a map")
        .iter()
        .filter(|(_, r)| r["Type"] == type_name)
        .map(|(id, r)| (id.as_str(), r))
        .collect()
}

pub fn resource<'a>(t: &'a Value, id: &str) -> &'a Value {
    let r = &t["Resources"][id];
    assert!(r.is_object(), "resource {id} is missing");
    r
}

pub fn props<'a>(t: &'a Value, id: &str) -> &'a Value {
    &resource(t, id)["Properties"]
}

pub fn get_att(id: &str, attribute: &str) -> Value {
    serde_json::json!({ "Fn::GetAtt": [id, attribute] })
}

pub fn reference(id: &str) -> Value {
    serde_json::json!({ "Ref": id })
}

/// A value or list as a list.
pub fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

/// Every Allow statement of the role's inline policies.
pub fn role_statements(t: &Value, role: &str) -> Vec<Value> {
    as_list(&props(t, role)["Policies"])
        .iter()
        .flat_map(|p| as_list(&p["PolicyDocument"]["Statement"]))
        .collect()
}

/// The `(action, resource)` pairs a role is allowed, each statement's condition attached.
pub fn grants(t: &Value, role: &str) -> Vec<(String, Value, Value)> {
    let mut out = Vec::new();
    for s in role_statements(t, role) {
        assert_eq!(s["Effect"], "Allow", "{role} has a non-Allow statement");
        for action in as_list(&s["Action"]) {
            for resource in as_list(&s["Resource"]) {
                out.push((
                    action.as_str().expect("actions are strings").to_owned(),
                    resource,
                    s["Condition"].clone(),
                ));
            }
        }
    }
    out
}

/// The names of a function's environment variables, in order.
pub fn env(t: &Value, function: &str) -> serde_json::Map<String, Value> {
    props(t, function)["Environment"]["Variables"]
        .as_object()
        .cloned()
        .unwrap_or_default()
}

pub fn workspace_file(path: &str) -> std::path::PathBuf {
    testkit::workspace_root().join(path)
}

/// The ids one map names itself (not its children): `Ref`, `Fn::GetAtt`, `Fn::Sub` variables.
pub fn direct_refs(m: &serde_json::Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(Value::String(id)) = m.get("Ref") {
        out.push(id.clone());
    }
    if let Some(id) = m.get("Fn::GetAtt").and_then(|a| a[0].as_str()) {
        out.push(id.to_owned());
    }
    let sub = match m.get("Fn::Sub") {
        Some(Value::String(s)) => Some(s.as_str()),
        Some(Value::Array(a)) => a[0].as_str(),
        _ => None,
    };
    for part in sub.unwrap_or("").split("${").skip(1) {
        let name = part.split('}').next().unwrap_or("");
        out.push(name.split('.').next().unwrap_or("").to_owned());
    }
    out
}

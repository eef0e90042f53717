//! Issue 11, item 1: alarms are opt-in. With `AlarmEmail` set (condition `HasAlarmEmail`) an
//! SNS topic mails the address and one alarm watches each failure signal; without it none of
//! these resources exists, so an idle stage still costs nothing.

mod common;

use common::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

const CONDITION: &str = "HasAlarmEmail";

fn alarms(t: &Value) -> Vec<(&str, &Value)> {
    resources(t, "AWS::CloudWatch::Alarm")
}

/// `(namespace, metric, dimensions)` of every alarm.
fn watched(t: &Value) -> BTreeSet<(String, String, String)> {
    alarms(t)
        .iter()
        .map(|(_, a)| {
            let p = &a["Properties"];
            (
                p["Namespace"].as_str().unwrap().to_owned(),
                p["MetricName"].as_str().unwrap().to_owned(),
                p["Dimensions"].to_string(),
            )
        })
        .collect()
}

fn dimension(name: &str, value: Value) -> String {
    json!([{ "Name": name, "Value": value }]).to_string()
}

#[test]
fn alarm_email_parameter_defaults_to_empty_and_gates_the_condition() {
    let t = template();
    let p = &t["Parameters"]["AlarmEmail"];
    assert_eq!(p["Type"], "String");
    assert_eq!(p["Default"], "", "no address: no alarm");
    let pattern = regex_lite(p["AllowedPattern"].as_str().unwrap());
    assert!(pattern("") && pattern("ops@example.com"));
    assert!(!pattern("not an address") && !pattern("a@b"));
    assert_eq!(
        t["Conditions"][CONDITION],
        json!({ "Fn::Not": [{ "Fn::Equals": [reference("AlarmEmail"), ""] }] })
    );
}

/// The pattern is `^(local@domain.tld)?$` with `[^@\s]+` parts; checked by hand so the test
/// needs no regex engine.
fn regex_lite(pattern: &str) -> impl Fn(&str) -> bool {
    assert_eq!(pattern, r"^([^@\s]+@[^@\s]+\.[^@\s]+)?$");
    |s: &str| {
        let part = |p: &str| !p.is_empty() && !p.contains(['@', ' ', '\t', '\n']);
        s.is_empty()
            || s.split_once('@').is_some_and(|(local, domain)| {
                part(local)
                    && domain
                        .rsplit_once('.')
                        .is_some_and(|(d, tld)| part(d) && part(tld))
            })
    }
}

#[test]
fn with_the_condition_every_failure_signal_has_an_alarm() {
    let t = template();
    let mut expected = BTreeSet::new();
    for queue in [
        "CreateJobDeadLetterQueue",
        "JobStateDeadLetterQueue",
        "JobStateRuleDeadLetterQueue",
    ] {
        resource(&t, queue);
        expected.insert((
            "AWS/SQS".to_owned(),
            "ApproximateNumberOfMessagesVisible".to_owned(),
            dimension("QueueName", get_att(queue, "QueueName")),
        ));
    }
    for function in ["CreateJobFunction", "JobStateFunction", "StatusApiFunction"] {
        for metric in ["Errors", "Throttles"] {
            expected.insert((
                "AWS/Lambda".to_owned(),
                metric.to_owned(),
                dimension("FunctionName", reference(function)),
            ));
        }
    }
    expected.insert((
        "AWS/ApiGateway".to_owned(),
        "5xx".to_owned(),
        dimension("ApiId", reference("HttpApi")),
    ));
    expected.insert((
        "VodProgress".to_owned(),
        "JobsFailed".to_owned(),
        dimension("Stack", reference("AWS::StackName")),
    ));
    assert_eq!(watched(&t), expected);
    assert_eq!(alarms(&t).len(), 11, "one alarm per signal, none twice");
}

#[test]
fn every_alarm_notifies_the_topic_when_it_fires_and_clears() {
    let t = template();
    let topic = reference("AlarmTopic");
    assert_eq!(resource(&t, "AlarmTopic")["Type"], "AWS::SNS::Topic");
    for (id, a) in alarms(&t) {
        let p = &a["Properties"];
        assert_eq!(p["AlarmActions"], json!([topic]), "{id}: one alarm action");
        assert_eq!(p["OKActions"], json!([topic]), "{id}: one OK action");
        assert_eq!(p["TreatMissingData"], "notBreaching", "{id}: idle is fine");
        assert_eq!(p["ComparisonOperator"], "GreaterThanOrEqualToThreshold");
        assert_eq!(p["Threshold"], json!(1), "{id}: the first occurrence fires");
        assert_eq!(p["Period"], 300, "{id}: standard resolution");
    }
    let subscriptions = resources(&t, "AWS::SNS::Subscription");
    assert_eq!(subscriptions.len(), 1);
    let p = &subscriptions[0].1["Properties"];
    assert_eq!(p["Protocol"], "email");
    assert_eq!(p["Endpoint"], reference("AlarmEmail"));
    assert_eq!(p["TopicArn"], topic);
}

#[test]
fn topic_subscription_and_alarms_exist_only_under_the_condition() {
    let t = template();
    let mut gated = 0;
    for (id, r) in t["Resources"].as_object().unwrap() {
        let kind = r["Type"].as_str().unwrap();
        let monitoring = kind.starts_with("AWS::SNS::") || kind == "AWS::CloudWatch::Alarm";
        if monitoring {
            assert_eq!(r["Condition"], CONDITION, "{id} must carry {CONDITION}");
            gated += 1;
        } else {
            assert_ne!(
                r["Condition"], CONDITION,
                "{id}: not monitoring, yet under {CONDITION}"
            );
        }
    }
    assert_eq!(gated, 13, "topic, subscription and 11 alarms");
}

//! The model refuses to print a template whose references do not resolve.

use synth::model::iam::PolicyDocument;
use synth::model::iam::Statement;
use synth::model::resources::{LogGroup, Properties, Queue, Role};
use synth::model::{Expr, Parameter, Resource, Template};

fn log_group(retention: Expr) -> Resource {
    Resource::new(Properties::LogGroup(LogGroup {
        retention_in_days: retention,
    }))
}

fn queue() -> Resource {
    Resource::new(Properties::Queue(Queue {
        message_retention_period: 60,
        sqs_managed_sse_enabled: true,
    }))
}

fn role_granting(resource: Expr) -> Resource {
    Resource::new(Properties::Role(Role {
        assume_role_policy_document: PolicyDocument::new(vec![]),
        policies: vec![synth::model::resources::InlinePolicy {
            policy_name: "P".into(),
            policy_document: PolicyDocument::new(vec![Statement::allow(
                &["sqs:SendMessage"],
                vec![resource],
            )]),
        }],
    }))
}

fn problems(t: &Template) -> String {
    let err = t.to_yaml().expect_err("the template must be rejected");
    assert!(t.to_json().is_err(), "JSON output is rejected too");
    err.to_string()
}

#[test]
fn a_valid_template_prints() {
    let mut t = Template::new("ok");
    let days = t.parameter("Days", Parameter::number("d").default(7));
    let q = t.add("Queue", queue());
    t.add("Logs", log_group(days.r()));
    t.add("Role", role_granting(q.arn()));
    t.add(
        "Role2",
        role_granting(Expr::sub("${Queue.Arn} ${AWS::Region} ${!Literal}")),
    );
    let yaml = t.to_yaml().expect("valid");
    assert!(yaml.contains("Fn::GetAtt"), "{yaml}");
}

#[test]
fn dangling_ref_is_rejected() {
    let mut t = Template::new("x");
    t.add("Logs", log_group(Expr::Ref("Missing".into())));
    assert!(problems(&t).contains("unknown parameter or resource `Missing`"));
}

#[test]
fn dangling_get_att_is_rejected() {
    let mut t = Template::new("x");
    t.add(
        "Role",
        role_granting(Expr::GetAtt("NoQueue".into(), "Arn".into())),
    );
    assert!(problems(&t).contains("unknown resource `NoQueue`"));
}

#[test]
fn a_parameter_cannot_stand_in_for_a_resource_in_get_att() {
    let mut t = Template::new("x");
    t.parameter("Days", Parameter::number("d"));
    t.add(
        "Role",
        role_granting(Expr::GetAtt("Days".into(), "Arn".into())),
    );
    assert!(problems(&t).contains("unknown resource `Days`"));
}

#[test]
fn dangling_sub_variables_are_rejected() {
    let mut t = Template::new("x");
    t.add(
        "Role",
        role_granting(Expr::sub("arn:${AWS::Partition}:sqs:${Nope}")),
    );
    t.add("Role2", role_granting(Expr::sub("${Gone.Arn}/*")));
    let p = problems(&t);
    assert!(p.contains("`Nope`"), "{p}");
    assert!(p.contains("unknown resource `Gone`"), "{p}");
}

#[test]
fn sub_variables_given_in_the_map_resolve() {
    let mut t = Template::new("x");
    t.add(
        "Role",
        role_granting(Expr::sub_with("x-${Local}", vec![("Local", "v".into())])),
    );
    assert!(t.to_yaml().is_ok());
}

#[test]
fn dangling_depends_on_and_unknown_condition_are_rejected() {
    let mut t = Template::new("x");
    let mut other = Template::new("elsewhere");
    let foreign = other.add("Foreign", queue());
    t.add("Queue", queue().depends_on(&foreign));
    t.add(
        "Logs",
        log_group(Expr::If(
            "NoSuchCondition".into(),
            Box::new(7.into()),
            Box::new(14.into()),
        )),
    );
    let p = problems(&t);
    assert!(p.contains("unknown resource `Foreign`"), "{p}");
    assert!(p.contains("unknown condition `NoSuchCondition`"), "{p}");
}

#[test]
fn dependency_cycles_are_rejected() {
    let mut t = Template::new("x");
    let a = t.reserve("A");
    let b = t.add("B", role_granting(a.arn()));
    t.fill(&a, queue().depends_on(&b));
    assert!(problems(&t).contains("dependency cycle"));
}

#[test]
fn duplicate_ids_and_unfilled_reservations_are_rejected() {
    let mut t = Template::new("x");
    t.add("Queue", queue());
    t.add("Queue", queue());
    t.reserve("Later");
    let p = problems(&t);
    assert!(p.contains("`Queue` is used twice"), "{p}");
    assert!(
        p.contains("`Later` was reserved but never filled in"),
        "{p}"
    );
}

#[test]
fn resource_and_output_conditions_must_exist() {
    let mut t = Template::new("x");
    let mut other = Template::new("elsewhere");
    let foreign = other.condition("Foreign", Expr::equals("a".into(), "b".into()));
    let q = t.add("Queue", queue().condition(&foreign));
    t.output_if(&foreign, "QueueUrl", "d", q.r());
    let p = problems(&t);
    assert!(
        p.contains("resource `Queue`: reference to unknown condition `Foreign`"),
        "{p}"
    );
    assert!(
        p.contains("output `QueueUrl`: reference to unknown condition `Foreign`"),
        "{p}"
    );
}

fn conditional_template() -> (Template, synth::model::Id) {
    let mut t = Template::new("x");
    let flag = t.parameter("Flag", Parameter::string("f").default(""));
    let on = t.condition(
        "On",
        Expr::Not(Box::new(Expr::Equals(
            Box::new(flag.r()),
            Box::new("".into()),
        ))),
    );
    t.add("Queue", queue().condition(&on));
    (t, on)
}

#[test]
fn a_conditional_resource_serializes_its_condition() {
    let (t, _) = conditional_template();
    let yaml = t.to_yaml().expect("valid");
    assert!(yaml.contains("Condition: On"), "{yaml}");
}

#[test]
fn a_resource_condition_must_exist() {
    let mut t = Template::new("x");
    let ghost = synth::model::Template::new("other").condition("Ghost", Expr::Bool(true));
    t.add("Queue", queue().condition(&ghost));
    assert!(problems(&t).contains("unknown condition `Ghost`"));
}

#[test]
fn an_unconditional_reference_to_a_conditional_resource_is_rejected() {
    let (mut t, _) = conditional_template();
    t.add("Role", role_granting(Expr::get_att("Queue", "Arn")));
    let found = problems(&t);
    assert!(
        found.contains("`Role` references `Queue`, which exists only under condition `On`"),
        "{found}"
    );
}

#[test]
fn conditions_and_retention_print_beside_the_type() {
    let mut t = Template::new("x");
    let always = t.condition("Always", Expr::equals("a".into(), "a".into()));
    let q = t.add("Queue", queue().condition(&always).retain());
    t.output_if(&always, "QueueUrl", "d", q.r());
    let v: serde_json::Value = serde_json::from_str(&t.to_json().expect("valid")).unwrap();
    assert_eq!(v["Resources"]["Queue"]["Condition"], "Always");
    assert_eq!(v["Resources"]["Queue"]["DeletionPolicy"], "Retain");
    assert_eq!(v["Resources"]["Queue"]["UpdateReplacePolicy"], "Retain");
    assert_eq!(v["Outputs"]["QueueUrl"]["Condition"], "Always");
    assert!(v["Outputs"]["QueueUrl"]["Value"].is_object());
}

#[test]
fn rules_may_name_only_parameters_that_exist() {
    let mut t = Template::new("x");
    t.rule(
        "NeedsMissing",
        None,
        !Expr::equals(Expr::Ref("Missing".into()), "".into()),
        "Missing must be set",
    );
    assert!(
        problems(&t)
            .contains("rule `NeedsMissing`: reference to unknown parameter or resource `Missing`")
    );
}

#[test]
fn references_under_the_same_condition_or_its_fn_if_are_accepted() {
    let (mut t, on) = conditional_template();
    t.add(
        "Role",
        role_granting(Expr::get_att("Queue", "Arn")).condition(&on),
    );
    let guarded = Expr::If(
        "On".into(),
        Box::new(Expr::get_att("Queue", "Arn")),
        Box::new(Expr::pseudo(synth::model::Pseudo::AccountId)),
    );
    t.add("Role2", role_granting(guarded));
    t.to_yaml().expect("guarded references are valid");
}

#[test]
fn an_output_may_not_reference_a_conditional_resource_unguarded() {
    let (mut t, _) = conditional_template();
    t.output("QueueArn", "q", Expr::get_att("Queue", "Arn"));
    assert!(problems(&t).contains("output `QueueArn` references `Queue`"));
}

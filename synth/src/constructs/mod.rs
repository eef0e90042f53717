//! Constructs: small builders over the model that emit a resource with its secure defaults,
//! and grants that add exactly the actions and ARNs a wiring needs to the grantee's policy.

pub mod alarms;
pub mod bucket;
pub mod cdn;
pub mod cognito;
pub mod events;
pub mod events_api;
pub mod function;
pub mod http_api;
pub mod logs;
pub mod mediaconvert;
pub mod queue;
pub mod sns;
pub mod table;

pub use alarms::Alarms;
pub use bucket::Bucket;
pub use cdn::Distribution;
pub use cognito::UserPool;
pub use events::EventRule;
pub use events_api::EventApi;
pub use function::{Function, FunctionProps};
pub use http_api::HttpApi;
pub use logs::LogGroup;
pub use mediaconvert::{JobTemplate, MediaConvertRole};
pub use queue::Queue;
pub use sns::Topic;
pub use table::Table;

use crate::model::iam::{Conditions, PolicyDocument, Principal, Statement};
use crate::model::resources::{InlinePolicy, Properties, Role};
use crate::model::{Expr, Id, Resource, Template};

/// The statements of one role's single inline policy, built up by grants.
///
/// Grants with the same action list share one statement (their resources are merged), and a
/// resource granted twice appears once, so the policy never repeats itself.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    statements: Vec<Statement>,
}

impl Policy {
    pub fn allow(&mut self, actions: &[&str], resources: Vec<Expr>) {
        self.allow_if(actions, resources, Conditions::default());
    }

    pub fn allow_if(&mut self, actions: &[&str], resources: Vec<Expr>, condition: Conditions) {
        let mut wanted: Vec<String> = actions.iter().map(|a| (*a).to_owned()).collect();
        wanted.sort();
        let existing = self.statements.iter_mut().find(|s| {
            let mut have = s.action.clone();
            have.sort();
            have == wanted && s.condition == condition
        });
        let statement = match existing {
            Some(statement) => statement,
            None => {
                let mut fresh = Statement::allow(actions, Vec::new());
                fresh.condition = condition;
                self.statements.push(fresh);
                self.statements.last_mut().expect("just pushed")
            }
        };
        for resource in resources {
            if !statement.resource.contains(&resource) {
                statement.resource.push(resource);
            }
        }
    }

    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }
}

/// Something whose role receives grants: a function, the MediaConvert role.
pub trait Grantee {
    fn policy(&mut self) -> &mut Policy;
}

/// A role assumed by one AWS service, holding one inline policy.
pub(crate) fn service_role(
    service: &str,
    trust_condition: Conditions,
    policy_name: &str,
    policy: &Policy,
) -> Resource {
    let mut trust = Statement::allow(&["sts:AssumeRole"], Vec::new())
        .principal(Principal::Service(service.to_owned()));
    trust.condition = trust_condition;
    let policies = if policy.statements.is_empty() {
        Vec::new()
    } else {
        vec![InlinePolicy {
            policy_name: policy_name.to_owned(),
            policy_document: PolicyDocument::new(policy.statements.clone()),
        }]
    };
    Resource::new(Properties::Role(Role {
        assume_role_policy_document: PolicyDocument::new(vec![trust]),
        policies,
    }))
}

/// `arn:${AWS::Partition}:<service>:${AWS::Region}:${AWS::AccountId}:<rest>`
pub fn regional_arn(service: &str, rest: &str) -> Expr {
    Expr::sub(format!(
        "arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{rest}"
    ))
}

/// Adds a resource whose logical id is `id`, returning its handle.
pub(crate) fn add(t: &mut Template, id: &str, properties: Properties) -> Id {
    t.add(id, Resource::new(properties))
}

//! IAM policy documents, used by roles, bucket policies and queue policies alike.

use super::expr::{Expr, OrderedMap};
use serde::{Serialize, Serializer};

pub const POLICY_VERSION: &str = "2012-10-17";

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDocument {
    pub version: &'static str,
    pub statement: Vec<Statement>,
}

impl PolicyDocument {
    pub fn new(statement: Vec<Statement>) -> Self {
        PolicyDocument {
            version: POLICY_VERSION,
            statement,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Principal {
    /// `{"Service": "<service>.amazonaws.com"}`
    Service(String),
    /// `"*"`: only ever used in Deny statements and in resource policies narrowed by condition.
    Everyone,
}

impl Serialize for Principal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Principal::Service(service) => {
                OrderedMap(&[("Service".to_owned(), service.as_str())]).serialize(s)
            }
            Principal::Everyone => s.serialize_str("*"),
        }
    }
}

/// Condition block: operator -> (key -> value), in insertion order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Conditions(pub Vec<(String, Vec<(String, Expr)>)>);

impl Conditions {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn with(mut self, operator: &str, key: &str, value: impl Into<Expr>) -> Self {
        let entry = (key.to_owned(), value.into());
        match self.0.iter_mut().find(|(op, _)| op == operator) {
            Some((_, keys)) => keys.push(entry),
            None => self.0.push((operator.to_owned(), vec![entry])),
        }
        self
    }
}

impl Serialize for Conditions {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let inner: Vec<(String, OrderedMap<'_, Expr>)> = self
            .0
            .iter()
            .map(|(op, keys)| (op.clone(), OrderedMap(keys)))
            .collect();
        OrderedMap(&inner).serialize(s)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub effect: Effect,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<Principal>,
    pub action: Vec<String>,
    /// Empty only in trust policies, where a resource is not allowed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource: Vec<Expr>,
    #[serde(skip_serializing_if = "Conditions::is_empty")]
    pub condition: Conditions,
}

impl Statement {
    pub fn allow(actions: &[&str], resources: Vec<Expr>) -> Self {
        Statement {
            sid: None,
            effect: Effect::Allow,
            principal: None,
            action: actions.iter().map(|a| (*a).to_owned()).collect(),
            resource: resources,
            condition: Conditions::default(),
        }
    }

    pub fn principal(mut self, principal: Principal) -> Self {
        self.principal = Some(principal);
        self
    }

    pub fn condition(mut self, operator: &str, key: &str, value: impl Into<Expr>) -> Self {
        self.condition = std::mem::take(&mut self.condition).with(operator, key, value);
        self
    }

    pub fn sid(mut self, sid: &str) -> Self {
        self.sid = Some(sid.to_owned());
        self
    }
}

//! `AWS::Lambda::*`: the functions and the permissions to invoke them.

use crate::model::expr::Expr;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Function {
    /// A local path: `aws cloudformation package` uploads it and rewrites the property.
    pub code: String,
    pub handler: String,
    pub runtime: String,
    pub architectures: Vec<Expr>,
    pub memory_size: i64,
    pub timeout: i64,
    pub role: Expr,
    pub logging_config: LoggingConfig,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dead_letter_config: Option<DeadLetterConfig>,
    #[serde(skip_serializing_if = "Environment::is_empty")]
    pub environment: Environment,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfig {
    pub log_group: Expr,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeadLetterConfig {
    pub target_arn: Expr,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Environment(pub Vec<(String, Expr)>);

impl Environment {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Environment {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("Variables", &crate::model::expr::OrderedMap(&self.0))?;
        m.end()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Permission {
    pub action: String,
    pub function_name: Expr,
    pub principal: String,
    pub source_arn: Expr,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_account: Option<Expr>,
}

//! `AWS::Logs::LogGroup`.

use crate::model::expr::Expr;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogGroup {
    pub retention_in_days: Expr,
}

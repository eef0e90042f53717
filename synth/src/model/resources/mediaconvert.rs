//! `AWS::MediaConvert::JobTemplate`.

use crate::model::expr::Expr;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct JobTemplate {
    pub description: String,
    pub category: String,
    pub acceleration_settings: AccelerationSettings,
    pub status_update_interval: Expr,
    pub settings_json: Expr,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccelerationSettings {
    /// `DISABLED`, `ENABLED` (fail when the job cannot be accelerated) or `PREFERRED`.
    pub mode: String,
}

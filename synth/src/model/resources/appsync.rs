//! `AWS::AppSync::*`: the Event API that pushes job progress, and its channel namespace.
//! Property names as in the CloudFormation reference (and cfn-lint's schema); return values
//! used: `ApiId`, `Dns.Http`, `Dns.Realtime` (Api) and `ChannelNamespaceArn` (namespace).

use crate::model::expr::{Choice, Expr};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventApi {
    pub name: Expr,
    pub event_config: EventConfig,
}

/// No `LogConfig`: AppSync's CloudWatch logs are billed per GB, and the stack's idle cost is
/// zero.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventConfig {
    pub auth_providers: Vec<AuthProvider>,
    pub connection_auth_modes: Vec<AuthMode>,
    pub default_publish_auth_modes: Vec<AuthMode>,
    pub default_subscribe_auth_modes: Vec<AuthMode>,
}

/// `AuthType` is one of `AMAZON_COGNITO_USER_POOLS`, `AWS_IAM`, `API_KEY`, `OPENID_CONNECT`,
/// `AWS_LAMBDA`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuthProvider {
    pub auth_type: Expr,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cognito_config: Option<Choice<CognitoConfig>>,
    #[serde(
        rename = "OpenIDConnectConfig",
        skip_serializing_if = "Option::is_none"
    )]
    pub open_id_connect_config: Option<Choice<OpenIdConnectConfig>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CognitoConfig {
    pub aws_region: Expr,
    pub user_pool_id: Expr,
    pub app_id_client_regex: Expr,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OpenIdConnectConfig {
    pub issuer: Expr,
    pub client_id: Expr,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuthMode {
    pub auth_type: Expr,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChannelNamespace {
    pub api_id: Expr,
    pub name: String,
    /// APPSYNC_JS source, at most 32,768 characters.
    pub code_handlers: String,
    pub publish_auth_modes: Vec<AuthMode>,
    pub subscribe_auth_modes: Vec<AuthMode>,
}

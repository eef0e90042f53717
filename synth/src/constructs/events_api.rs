use super::{Grantee, add};
use crate::model::resources::{
    AuthMode, AuthProvider, ChannelNamespace, CognitoConfig, EventApi as EventApiProps,
    EventConfig, OpenIdConnectConfig, Properties,
};
use crate::model::{Choice, Expr, Id, Pseudo, Template};

/// The namespace's handlers: the owner rule on subscribe (APPSYNC_JS).
pub const NAMESPACE_HANDLERS: &str = include_str!("jobs_namespace.js");

pub const IAM: &str = "AWS_IAM";
pub const COGNITO: &str = "AMAZON_COGNITO_USER_POOLS";
pub const OIDC: &str = "OPENID_CONNECT";

/// How browsers sign in to the Event API: the same choice the HTTP API's authorizer makes.
pub struct EventAuth<'a> {
    /// Holds when the stack creates the Cognito pool; otherwise the stage's OIDC issuer.
    pub uses_pool: &'a Id,
    pub user_pool: Expr,
    pub pool_client_id: Expr,
    pub oidc_issuer: Expr,
    pub oidc_client_id: Expr,
}

/// An AppSync Event API with one channel namespace: browsers connect and subscribe with the
/// stage's sign-in, only `AWS_IAM` publishes (no browser can), and the namespace's
/// `onSubscribe` refuses every channel but the caller's own. Billed per operation and
/// connection-minute only: nothing while no one watches.
pub struct EventApi {
    pub id: Id,
    pub namespace: Id,
}

impl EventApi {
    pub fn new(t: &mut Template, id: &str, name: Expr, namespace: &str, auth: EventAuth) -> Self {
        let user_mode = || AuthMode {
            auth_type: Expr::when(auth.uses_pool, COGNITO.into(), OIDC.into()),
        };
        let iam = || AuthMode {
            auth_type: IAM.into(),
        };
        let sign_in = AuthProvider {
            auth_type: user_mode().auth_type,
            cognito_config: Some(Choice::when(
                auth.uses_pool,
                Choice::Always(CognitoConfig {
                    aws_region: Expr::pseudo(Pseudo::Region),
                    user_pool_id: auth.user_pool,
                    // The page's client only: a literal id, anchored (ids are alphanumeric).
                    app_id_client_regex: Expr::join(
                        "",
                        vec!["^".into(), auth.pool_client_id, "$".into()],
                    ),
                }),
                Choice::Absent,
            )),
            open_id_connect_config: Some(Choice::when(
                auth.uses_pool,
                Choice::Absent,
                Choice::Always(OpenIdConnectConfig {
                    issuer: auth.oidc_issuer,
                    client_id: auth.oidc_client_id,
                }),
            )),
        };
        let publisher = AuthProvider {
            auth_type: IAM.into(),
            cognito_config: None,
            open_id_connect_config: None,
        };
        let api = add(
            t,
            id,
            Properties::EventApi(Box::new(EventApiProps {
                name,
                event_config: EventConfig {
                    auth_providers: vec![sign_in, publisher],
                    connection_auth_modes: vec![user_mode()],
                    default_publish_auth_modes: vec![iam()],
                    default_subscribe_auth_modes: vec![user_mode()],
                },
            })),
        );
        let namespace = add(
            t,
            &format!("{id}Namespace"),
            Properties::ChannelNamespace(ChannelNamespace {
                api_id: api.att("ApiId"),
                name: namespace.to_owned(),
                code_handlers: NAMESPACE_HANDLERS.to_owned(),
                // Stated again on the namespace, so a change of the API's defaults cannot
                // open publishing to browsers.
                publish_auth_modes: vec![iam()],
                subscribe_auth_modes: vec![user_mode()],
            }),
        );
        EventApi { id: api, namespace }
    }

    /// The HTTP endpoint's domain (`Dns.Http`): publishes go to `https://<it>/event`, and a
    /// browser's auth JSON names it as `host`.
    pub fn http_domain(&self) -> Expr {
        self.id.att("Dns.Http")
    }

    /// The realtime endpoint's domain (`Dns.Realtime`): `wss://<it>/event/realtime`.
    pub fn realtime_domain(&self) -> Expr {
        self.id.att("Dns.Realtime")
    }

    pub fn namespace_arn(&self) -> Expr {
        self.namespace.att("ChannelNamespaceArn")
    }

    /// `appsync:EventPublish` on this namespace only (publishing over HTTP needs no connect).
    pub fn grant_publish(&self, grantee: &mut impl Grantee) {
        grantee
            .policy()
            .allow(&["appsync:EventPublish"], vec![self.namespace_arn()]);
    }
}

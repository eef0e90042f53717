use crate::model::resources::{
    AccountRecoverySetting, AdminCreateUserConfig, PasswordPolicy, Properties, RecoveryOption,
    UserAttributeUpdateSettings, UserPool as UserPoolProps, UserPoolClient, UserPoolDomain,
    UserPoolPolicies, UsernameConfiguration,
};
use crate::model::{Expr, Id, Resource, Template};

pub struct UserPoolOptions<'a> {
    /// Pool, client and domain exist only when this condition holds.
    pub condition: &'a Id,
    /// When this condition holds anyone may sign up through the hosted UI; otherwise only an
    /// administrator creates users (`AdminCreateUser`).
    pub self_sign_up: &'a Id,
    /// Where the hosted UI may send the browser back after sign-in and sign-out (a list).
    pub app_urls: Expr,
    /// The hosted UI's domain prefix: `<prefix>.auth.<region>.amazoncognito.com`.
    pub domain_prefix: Expr,
}

/// The OAuth scopes the browser client may ask for: an ID token naming the user (`sub`)
/// and their email, nothing that reads or changes the pool.
pub const OAUTH_SCOPES: [&str; 2] = ["openid", "email"];

/// Direct (non-hosted-UI) sign-in flows of the client. The hosted UI's code flow needs none;
/// the browser only refreshes its tokens. Users are created with admin calls (IAM), which
/// need no client flow either.
pub const EXPLICIT_AUTH_FLOWS: [&str; 1] = ["ALLOW_REFRESH_TOKEN_AUTH"];

/// A Cognito user pool whose users sign in with their email address through the hosted UI,
/// with one public app client for the browser (authorization code flow with PKCE, no
/// secret) and a hosted-UI domain.
///
/// The pool is retained when the stack is deleted or the pool replaced: it holds the
/// accounts, and each account's `sub` is the owner of its uploads and jobs.
pub struct UserPool {
    pub id: Id,
    pub client: Id,
    pub domain: Id,
}

impl UserPool {
    pub fn new(t: &mut Template, id: &str, options: UserPoolOptions<'_>) -> Self {
        let pool = UserPoolProps {
            user_pool_name: Expr::sub("${AWS::StackName}-users"),
            username_attributes: vec!["email".to_owned()],
            auto_verified_attributes: vec!["email".to_owned()],
            username_configuration: UsernameConfiguration {
                case_sensitive: false,
            },
            // An address is replaced only once the new one is verified, so a signed-in user
            // cannot take over an address they do not own.
            user_attribute_update_settings: UserAttributeUpdateSettings {
                attributes_require_verification_before_update: vec!["email".to_owned()],
            },
            admin_create_user_config: AdminCreateUserConfig {
                allow_admin_create_user_only: Expr::when(
                    options.self_sign_up,
                    false.into(),
                    true.into(),
                ),
            },
            // Length over composition (NIST SP 800-63B), plus Cognito's classes that every
            // password manager fills.
            policies: UserPoolPolicies {
                password_policy: PasswordPolicy {
                    minimum_length: 12,
                    require_lowercase: true,
                    require_uppercase: true,
                    require_numbers: true,
                    require_symbols: false,
                    temporary_password_validity_days: 3,
                },
            },
            account_recovery_setting: AccountRecoverySetting {
                recovery_mechanisms: vec![RecoveryOption {
                    name: "verified_email".to_owned(),
                    priority: 1,
                }],
            },
        };
        let pool = t.add(
            id,
            Resource::new(Properties::UserPool(Box::new(pool)))
                .condition(options.condition)
                .retain(),
        );
        let client = UserPoolClient {
            user_pool_id: pool.r(),
            client_name: "browser".to_owned(),
            // A browser cannot keep a secret: a public client, protected by PKCE.
            generate_secret: false,
            allowed_oauth_flows: vec!["code".to_owned()],
            allowed_oauth_flows_user_pool_client: true,
            allowed_oauth_scopes: OAUTH_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            supported_identity_providers: vec!["COGNITO".to_owned()],
            callback_urls: options.app_urls.clone(),
            logout_urls: options.app_urls,
            explicit_auth_flows: EXPLICIT_AUTH_FLOWS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            // Sign-in and recovery answer alike for unknown and known addresses.
            prevent_user_existence_errors: "ENABLED".to_owned(),
            enable_token_revocation: true,
        };
        let client = t.add(
            &format!("{id}Client"),
            Resource::new(Properties::UserPoolClient(Box::new(client)))
                .condition(options.condition),
        );
        let domain = t.add(
            &format!("{id}Domain"),
            Resource::new(Properties::UserPoolDomain(UserPoolDomain {
                domain: options.domain_prefix,
                user_pool_id: pool.r(),
            }))
            .condition(options.condition),
        );
        UserPool {
            id: pool,
            client,
            domain,
        }
    }

    /// The `iss` of the pool's tokens.
    pub fn issuer(&self) -> Expr {
        Expr::sub(format!(
            "https://cognito-idp.${{AWS::Region}}.amazonaws.com/${{{}}}",
            self.id
        ))
    }

    /// The browser client's id: the `aud` of its ID tokens, the `client_id` of its access
    /// tokens.
    pub fn client_id(&self) -> Expr {
        self.client.r()
    }

    /// Base URL of the hosted UI (`/oauth2/authorize`, `/login`, `/logout` live under it).
    pub fn hosted_ui_url(&self) -> Expr {
        Expr::sub(format!(
            "https://${{{}}}.auth.${{AWS::Region}}.amazoncognito.com",
            self.domain
        ))
    }
}

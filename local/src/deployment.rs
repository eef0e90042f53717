//! The stack as moto deployed it (local/moto/deploy.py's answer): every resource with its
//! physical id and its properties resolved by moto's CloudFormation. Everything the local
//! stack wires (functions and their environment, the S3 trigger, the EventBridge rule, the
//! HTTP API's routes, CORS and authorizer, the distribution) is read from here, so it follows
//! the template and is never listed a second time.

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

use crate::eventbridge::Pattern;
use crate::notifications::Notification;

/// The AppSync Event API the functions and the page are wired to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventsSpec {
    pub http_domain: String,
    pub realtime_domain: String,
    pub namespace: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Deployment {
    pub port: u16,
    pub stack_id: String,
    pub resources: BTreeMap<String, Resource>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Resource {
    #[serde(rename = "Type")]
    pub kind: String,
    pub physical_id: Option<Value>,
    #[serde(default)]
    pub properties: Value,
    #[serde(default)]
    pub attributes: BTreeMap<String, Value>,
    /// A function's `Code` as the template gives it (a path under target/lambda/).
    pub code: Option<Value>,
}

impl Resource {
    pub fn physical(&self) -> String {
        match &self.physical_id {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        }
    }

    fn prop(&self, pointer: &str) -> Option<&Value> {
        self.properties.pointer(pointer)
    }

    fn text(&self, pointer: &str) -> Option<String> {
        self.prop(pointer)
            .and_then(Value::as_str)
            .map(str::to_owned)
    }
}

/// A Lambda function of the template.
#[derive(Debug, Clone)]
pub struct FunctionSpec {
    pub name: String,
    /// The binary's name: the folder of its zip under target/lambda/ (cargo-lambda's layout).
    pub binary: String,
    pub env: BTreeMap<String, String>,
    pub timeout_seconds: u64,
    pub memory_mb: u64,
}

impl FunctionSpec {
    /// Whether `arn` (or a bare name) names this function.
    pub fn is(&self, arn: &str) -> bool {
        arn == self.name || arn.ends_with(&format!(":function:{}", self.name))
    }
}

/// An HTTP API route.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub key: String,
    /// The authorizer's `JwtConfiguration` when the route has `AuthorizationType: JWT`.
    pub jwt: Option<JwtSpec>,
    pub scopes: Vec<String>,
    /// The function the route's integration invokes.
    pub function_arn: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtSpec {
    pub issuer: String,
    pub audiences: Vec<String>,
}

/// The HTTP API's `CorsConfiguration`.
#[derive(Debug, Clone, Default)]
pub struct Cors {
    pub allow_origins: Vec<String>,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub expose_headers: Vec<String>,
    pub allow_credentials: bool,
    pub max_age: Option<u64>,
}

impl Cors {
    /// The value of `Access-Control-Allow-Origin` for `origin`, if it is allowed.
    pub fn allowed_origin(&self, origin: &str) -> Option<String> {
        if self.allow_origins.iter().any(|o| o == "*") {
            Some("*".into())
        } else {
            self.allow_origins
                .iter()
                .find(|o| o.eq_ignore_ascii_case(origin))
                .map(|_| origin.to_owned())
        }
    }

    /// The CORS headers of an answer to a request from `origin`: none when it is not allowed.
    pub fn response_headers(&self, origin: &str) -> Vec<(&'static str, String)> {
        let Some(allowed) = self.allowed_origin(origin) else {
            return Vec::new();
        };
        let mut headers = vec![
            ("access-control-allow-origin", allowed),
            ("vary", "Origin".to_owned()),
        ];
        if !self.expose_headers.is_empty() {
            headers.push((
                "access-control-expose-headers",
                self.expose_headers.join(","),
            ));
        }
        if self.allow_credentials {
            headers.push(("access-control-allow-credentials", "true".to_owned()));
        }
        headers
    }
}

#[derive(Debug, Clone)]
pub struct ApiSpec {
    pub api_id: String,
    /// `https://<id>.execute-api.<region>.amazonaws.com`, which the local gateway stands in for.
    pub endpoint: String,
    pub cors: Option<Cors>,
    pub routes: Vec<RouteSpec>,
}

/// The distribution: which bucket prefix it serves and with which CORS.
#[derive(Debug, Clone)]
pub struct DistributionSpec {
    pub domain: String,
    pub bucket: String,
    /// The origin path without its leading `/` and with a trailing one (`hls/`).
    pub key_prefix: String,
    pub cors: Cors,
    pub nosniff: bool,
    pub hsts: Option<String>,
}

/// The user pool's browser client and hosted-UI domain.
#[derive(Debug, Clone)]
pub struct SignInSpec {
    pub pool_id: String,
    pub client_id: String,
    pub callback_urls: Vec<String>,
    pub logout_urls: Vec<String>,
    pub oauth_flows: Vec<String>,
    pub scopes: Vec<String>,
    /// `https://<prefix>.auth.<region>.amazoncognito.com`, which the local hosted UI stands in for.
    pub domain_url: Option<String>,
}

/// An EventBridge rule and the functions it targets.
#[derive(Debug, Clone)]
pub struct RuleSpec {
    pub pattern: Pattern,
    pub targets: Vec<String>,
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Some(Value::String(s)) => s.split(',').map(str::to_owned).collect(),
        _ => vec![],
    }
}

impl Deployment {
    pub fn parse(line: &str) -> Result<Deployment, String> {
        serde_json::from_str(line).map_err(|e| format!("moto's stack description: {e}"))
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn of_type<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = (&'a String, &'a Resource)> {
        self.resources.iter().filter(move |(_, r)| r.kind == kind)
    }

    pub fn functions(&self) -> Result<Vec<FunctionSpec>, String> {
        self.of_type("AWS::Lambda::Function")
            .map(|(id, r)| {
                let code = r.code.as_ref().and_then(Value::as_str).unwrap_or("");
                let binary = wiring::FUNCTIONS
                    .iter()
                    .map(|f| f.binary)
                    .find(|b| wiring::zip_path(b) == code)
                    .ok_or(format!(
                        "{id}: Code {code:?} is not the zip of a handler binary under target/lambda/"
                    ))?;
                let env = r
                    .prop("/Environment/Variables")
                    .and_then(Value::as_object)
                    .map(|vars| {
                        vars.iter()
                            .map(|(k, v)| {
                                let v = v.as_str().map(str::to_owned).unwrap_or(v.to_string());
                                (k.clone(), v)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                Ok(FunctionSpec {
                    name: r.physical(),
                    binary: binary.to_owned(),
                    env,
                    // Lambda's defaults when the template leaves them out.
                    timeout_seconds: r.prop("/Timeout").and_then(Value::as_u64).unwrap_or(3),
                    memory_mb: r.prop("/MemorySize").and_then(Value::as_u64).unwrap_or(128),
                })
            })
            .collect()
    }

    /// Each bucket with Lambda notifications: (bucket name, its notifications).
    pub fn notifications(&self) -> Result<Vec<(String, Vec<Notification>)>, String> {
        let mut out = Vec::new();
        for (id, r) in self.of_type("AWS::S3::Bucket") {
            if let Some(config) = r.prop("/NotificationConfiguration") {
                let list =
                    Notification::from_configuration(config).map_err(|e| format!("{id}: {e}"))?;
                if !list.is_empty() {
                    out.push((r.physical(), list));
                }
            }
        }
        Ok(out)
    }

    pub fn rules(&self) -> Result<Vec<RuleSpec>, String> {
        let mut out = Vec::new();
        for (id, r) in self.of_type("AWS::Events::Rule") {
            if r.text("/State").as_deref() == Some("DISABLED") {
                continue;
            }
            let Some(pattern) = r.prop("/EventPattern") else {
                continue; // a scheduled rule: nothing the local stack emits
            };
            let pattern = Pattern::new(pattern).map_err(|e| format!("{id}: {e}"))?;
            let targets = r
                .prop("/Targets")
                .and_then(Value::as_array)
                .map(|ts| {
                    ts.iter()
                        .filter_map(|t| t.get("Arn").and_then(Value::as_str).map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            out.push(RuleSpec { pattern, targets });
        }
        Ok(out)
    }

    /// The one HTTP API of the template.
    pub fn api(&self) -> Result<ApiSpec, String> {
        let mut apis = self.of_type("AWS::ApiGatewayV2::Api");
        let (api_logical, api) = apis
            .next()
            .ok_or("the template has no AWS::ApiGatewayV2::Api")?;
        if apis.next().is_some() {
            return Err(
                "the template has more than one HTTP API; the local gateway serves one".into(),
            );
        }
        let api_id = api.physical();
        let endpoint = api
            .attributes
            .get("ApiEndpoint")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or(format!("{api_logical}: moto gave no ApiEndpoint"))?;
        let cors = api.prop("/CorsConfiguration").map(|c| Cors {
            allow_origins: strings(c.get("AllowOrigins")),
            allow_methods: strings(c.get("AllowMethods")),
            allow_headers: strings(c.get("AllowHeaders")),
            expose_headers: strings(c.get("ExposeHeaders")),
            allow_credentials: c
                .get("AllowCredentials")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            max_age: c.get("MaxAge").and_then(Value::as_u64),
        });
        let integrations: BTreeMap<String, String> = self
            .of_type("AWS::ApiGatewayV2::Integration")
            .filter_map(|(_, r)| Some((r.physical(), r.text("/IntegrationUri")?)))
            .collect();
        let authorizers: BTreeMap<String, JwtSpec> = self
            .of_type("AWS::ApiGatewayV2::Authorizer")
            .filter_map(|(_, r)| {
                Some((
                    r.physical(),
                    JwtSpec {
                        issuer: r.text("/JwtConfiguration/Issuer")?,
                        audiences: strings(r.prop("/JwtConfiguration/Audience")),
                    },
                ))
            })
            .collect();
        let mut routes = Vec::new();
        for (id, r) in self.of_type("AWS::ApiGatewayV2::Route") {
            let key = r.text("/RouteKey").ok_or(format!("{id}: no RouteKey"))?;
            let target = r.text("/Target").unwrap_or_default();
            let integration = target.strip_prefix("integrations/").unwrap_or(&target);
            let function_arn = integrations.get(integration).cloned().ok_or(format!(
                "{id}: target {target:?} is no integration of the stack"
            ))?;
            let jwt = match r.text("/AuthorizationType").as_deref() {
                None | Some("NONE") => None,
                Some("JWT") => {
                    let authorizer = r.text("/AuthorizerId").unwrap_or_default();
                    Some(authorizers.get(&authorizer).cloned().ok_or(format!(
                        "{id}: authorizer {authorizer:?} is not a JWT authorizer of the stack"
                    ))?)
                }
                Some(other) => {
                    return Err(format!(
                        "{id}: authorization type {other} is not emulated (JWT and NONE are)"
                    ));
                }
            };
            routes.push(RouteSpec {
                key,
                jwt,
                scopes: strings(r.prop("/AuthorizationScopes")),
                function_arn,
            });
        }
        Ok(ApiSpec {
            api_id,
            endpoint,
            cors,
            routes,
        })
    }

    pub fn distribution(&self) -> Result<Option<DistributionSpec>, String> {
        let Some((id, d)) = self.of_type("AWS::CloudFront::Distribution").next() else {
            return Ok(None);
        };
        let domain = d
            .attributes
            .get("DomainName")
            .and_then(Value::as_str)
            .ok_or(format!("{id}: moto gave no DomainName"))?
            .to_owned();
        let origin = d
            .prop("/DistributionConfig/Origins/0")
            .ok_or(format!("{id}: no origin"))?;
        let origin_domain = origin
            .get("DomainName")
            .and_then(Value::as_str)
            .unwrap_or("");
        let bucket = self
            .of_type("AWS::S3::Bucket")
            .map(|(_, b)| b.physical())
            .find(|name| origin_domain.starts_with(&format!("{name}.s3.")))
            .ok_or(format!(
                "{id}: the origin {origin_domain:?} is not a bucket of the stack"
            ))?;
        let origin_path = origin
            .get("OriginPath")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim_matches('/');
        let key_prefix = if origin_path.is_empty() {
            String::new()
        } else {
            format!("{origin_path}/")
        };
        let policy_id = d
            .text("/DistributionConfig/DefaultCacheBehavior/ResponseHeadersPolicyId")
            .unwrap_or_default();
        let policy = self
            .of_type("AWS::CloudFront::ResponseHeadersPolicy")
            .map(|(_, p)| p)
            .find(|p| p.physical() == policy_id);
        let config = policy.and_then(|p| p.prop("/ResponseHeadersPolicyConfig"));
        let cors = config
            .and_then(|c| c.get("CorsConfig"))
            .map(|c| Cors {
                allow_origins: strings(c.pointer("/AccessControlAllowOrigins/Items")),
                allow_methods: strings(c.pointer("/AccessControlAllowMethods/Items")),
                allow_headers: strings(c.pointer("/AccessControlAllowHeaders/Items")),
                expose_headers: strings(c.pointer("/AccessControlExposeHeaders/Items")),
                allow_credentials: c
                    .get("AccessControlAllowCredentials")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                max_age: c.get("AccessControlMaxAgeSec").and_then(Value::as_u64),
            })
            .unwrap_or_default();
        let security = config.and_then(|c| c.get("SecurityHeadersConfig"));
        let nosniff = security.is_some_and(|s| s.get("ContentTypeOptions").is_some());
        let hsts = security
            .and_then(|s| s.get("StrictTransportSecurity"))
            .map(|h| {
                let mut value = format!(
                    "max-age={}",
                    h.get("AccessControlMaxAgeSec")
                        .and_then(Value::as_u64)
                        .unwrap_or(0)
                );
                if h.get("IncludeSubdomains").and_then(Value::as_bool) == Some(true) {
                    value.push_str("; includeSubDomains");
                }
                if h.get("Preload").and_then(Value::as_bool) == Some(true) {
                    value.push_str("; preload");
                }
                value
            });
        Ok(Some(DistributionSpec {
            domain,
            bucket,
            key_prefix,
            cors,
            nosniff,
            hsts,
        }))
    }

    /// The Event API's domains as the template's GetAtts gave them (server.py's model), and
    /// its namespace; `None` for a template without one.
    pub fn events(&self) -> Option<EventsSpec> {
        let (_, api) = self.of_type("AWS::AppSync::Api").next()?;
        let (_, namespace) = self.of_type("AWS::AppSync::ChannelNamespace").next()?;
        let attribute = |name: &str| api.attributes.get(name)?.as_str().map(str::to_owned);
        Some(EventsSpec {
            http_domain: attribute("Dns.Http")?,
            realtime_domain: attribute("Dns.Realtime")?,
            namespace: namespace.text("/Name")?,
        })
    }

    pub fn sign_in(&self) -> Option<SignInSpec> {
        let (_, client) = self.of_type("AWS::Cognito::UserPoolClient").next()?;
        let domain_url = self
            .of_type("AWS::Cognito::UserPoolDomain")
            .next()
            .map(|(_, d)| {
                format!(
                    "https://{}.auth.{}.amazoncognito.com",
                    d.physical(),
                    self.region()
                )
            });
        Some(SignInSpec {
            pool_id: client.text("/UserPoolId").unwrap_or_default(),
            client_id: client.physical(),
            callback_urls: strings(client.prop("/CallbackURLs")),
            logout_urls: strings(client.prop("/LogoutURLs")),
            oauth_flows: strings(client.prop("/AllowedOAuthFlows")),
            scopes: strings(client.prop("/AllowedOAuthScopes")),
            domain_url,
        })
    }

    /// The region of the stack's ARN.
    pub fn region(&self) -> String {
        self.stack_id
            .split(':')
            .nth(3)
            .unwrap_or("us-east-1")
            .to_owned()
    }

    /// The account the stack was created in (moto's), from the stack's ARN as the region.
    pub fn account_id(&self) -> String {
        self.stack_id
            .split(':')
            .nth(4)
            .unwrap_or("123456789012")
            .to_owned()
    }

    /// The job template as the stack creates it: the name jobs use, its `SettingsJson` and
    /// its `StatusUpdateInterval`.
    pub fn job_template(&self) -> Option<(String, &Value, Option<String>)> {
        let (_, t) = self.of_type("AWS::MediaConvert::JobTemplate").next()?;
        Some((
            t.physical(),
            t.prop("/SettingsJson")?,
            t.text("/StatusUpdateInterval"),
        ))
    }
}

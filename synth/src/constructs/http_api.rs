use super::add;
use super::function::Function;
use super::logs::LogGroup;
use crate::model::resources::{
    AccessLogSettings, Api, ApiCors, Authorizer, Integration, JwtConfiguration, Permission,
    Properties, Route, RouteSettings, Stage,
};
use crate::model::{Expr, Id, Logical, Template};

pub struct HttpApiProps {
    pub name: Expr,
    pub allowed_origins: Expr,
    pub log_retention_days: Expr,
    pub throttling_burst_limit: i64,
    pub throttling_rate_limit: f64,
    /// Every route requires a JWT from this issuer for this audience.
    pub jwt: JwtProps,
}

/// The tokens the API accepts: `iss` must equal `issuer`, and `aud` (ID tokens) or
/// `client_id` (access tokens) one of `audience`.
pub struct JwtProps {
    pub issuer: Expr,
    pub audience: Expr,
}

/// Where API Gateway reads the token: `Authorization: Bearer <jwt>` (the `Bearer ` prefix is
/// optional for JWT authorizers).
pub const JWT_IDENTITY_SOURCE: &str = "$request.header.Authorization";

/// One access-log line per request, as JSON (no request bodies, no headers).
const ACCESS_LOG_FORMAT: &str = concat!(
    r#"{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","#,
    r#""requestTime":"$context.requestTime","routeKey":"$context.routeKey","#,
    r#""status":"$context.status","responseLength":"$context.responseLength","#,
    r#""integrationError":"$context.integrationErrorMessage"}"#
);

/// An HTTP API (API Gateway v2) with CORS, a JWT authorizer that every route uses, and a
/// `$default` stage that auto-deploys, throttles every route and writes access logs to its
/// own log group.
pub struct HttpApi {
    pub id: Id,
    pub authorizer: Id,
    pub stage: Id,
    pub access_logs: LogGroup,
    integrations: Vec<(String, Id)>,
    routes: Vec<(String, Id)>,
}

impl HttpApi {
    pub fn new(t: &mut Template, id: &str, props: HttpApiProps) -> Self {
        let api = add(
            t,
            id,
            Properties::Api(Api {
                name: props.name,
                protocol_type: "HTTP".to_owned(),
                cors_configuration: ApiCors {
                    allow_origins: props.allowed_origins,
                    allow_methods: vec!["GET".to_owned(), "POST".to_owned()],
                    // `authorization` carries the token: without it every browser call with a
                    // token fails its preflight.
                    allow_headers: vec!["authorization".to_owned(), "content-type".to_owned()],
                    max_age: 3600,
                },
            }),
        );
        let authorizer = add(
            t,
            &format!("{id}JwtAuthorizer"),
            Properties::Authorizer(Authorizer {
                api_id: api.r(),
                authorizer_type: "JWT".to_owned(),
                name: "jwt".to_owned(),
                identity_source: vec![JWT_IDENTITY_SOURCE.to_owned()],
                jwt_configuration: JwtConfiguration {
                    audience: vec![props.jwt.audience],
                    issuer: props.jwt.issuer,
                },
            }),
        );
        let access_logs = LogGroup::new(t, &format!("{id}AccessLogs"), props.log_retention_days);
        let stage = add(
            t,
            &format!("{id}DefaultStage"),
            Properties::Stage(Stage {
                api_id: api.r(),
                stage_name: "$default".to_owned(),
                auto_deploy: true,
                default_route_settings: RouteSettings {
                    throttling_burst_limit: props.throttling_burst_limit,
                    throttling_rate_limit: props.throttling_rate_limit,
                    detailed_metrics_enabled: false,
                },
                route_settings: Vec::new(),
                access_log_settings: AccessLogSettings {
                    destination_arn: access_logs.arn(),
                    format: ACCESS_LOG_FORMAT.to_owned(),
                },
            }),
        );
        HttpApi {
            id: api,
            authorizer,
            stage,
            access_logs,
            integrations: Vec::new(),
            routes: Vec::new(),
        }
    }

    /// Throttles `route_key` below the stage's default (API Gateway counts per stage and
    /// route, across all callers).
    ///
    /// API Gateway refuses settings for a route it does not know yet, so the stage waits for
    /// the route.
    ///
    /// # Panics
    /// When the route does not exist (yet).
    pub fn throttle_route(&self, t: &mut Template, route_key: &str, burst: i64, rate: f64) {
        let (_, route) = self
            .routes
            .iter()
            .find(|(key, _)| key == route_key)
            .unwrap_or_else(|| panic!("no route `{route_key}` to throttle"));
        let stage = t
            .resource_mut(&self.stage)
            .expect("the stage was added by HttpApi::new");
        stage.depends_on.push(route.clone());
        if let Properties::Stage(s) = &mut stage.properties {
            s.route_settings.push((
                route_key.to_owned(),
                RouteSettings {
                    throttling_burst_limit: burst,
                    throttling_rate_limit: rate,
                    detailed_metrics_enabled: false,
                },
            ));
        }
    }

    /// The invoke URL of the `$default` stage.
    pub fn url(&self) -> Expr {
        Self::url_of(&self.id)
    }

    /// The invoke URL of the API `id`, for what must name it before the API is built.
    pub fn url_of(id: &(impl Logical + ?Sized)) -> Expr {
        Expr::get_att(id, "ApiEndpoint")
    }

    /// Routes `route_key` (`"GET /jobs/{jobId}"`) to `function`, behind the JWT authorizer. The
    /// first route of a function adds its integration (payload format 2.0) and the permission
    /// for this API to invoke it.
    pub fn route(&mut self, t: &mut Template, route_key: &str, function: &Function) -> Id {
        let authorizer = Some(self.authorizer.r());
        self.add_route(t, route_key, function, authorizer)
    }

    /// Routes `route_key` to `function` with no authorizer: anyone may call it. Only for
    /// what is public by nature (the front end's page and its static assets).
    pub fn public_route(&mut self, t: &mut Template, route_key: &str, function: &Function) -> Id {
        self.add_route(t, route_key, function, None)
    }

    fn add_route(
        &mut self,
        t: &mut Template,
        route_key: &str,
        function: &Function,
        authorizer: Option<Expr>,
    ) -> Id {
        let integration = match self.integrations.iter().find(|(f, _)| f == function.name()) {
            Some((_, integration)) => integration.clone(),
            None => self.integrate(t, function),
        };
        let route = add(
            t,
            &format!("{}Route", route_id_stem(route_key)),
            Properties::Route(Route {
                api_id: self.id.r(),
                route_key: route_key.to_owned(),
                authorization_type: if authorizer.is_some() { "JWT" } else { "NONE" }.to_owned(),
                authorizer_id: authorizer,
                target: Expr::join("/", vec!["integrations".into(), integration.r()]),
            }),
        );
        self.routes.push((route_key.to_owned(), route.clone()));
        route
    }

    fn integrate(&mut self, t: &mut Template, function: &Function) -> Id {
        let integration = add(
            t,
            &format!("{}{}Integration", self.id, function.name()),
            Properties::Integration(Integration {
                api_id: self.id.r(),
                integration_type: "AWS_PROXY".to_owned(),
                integration_uri: function.arn(),
                payload_format_version: "2.0".to_owned(),
            }),
        );
        add(
            t,
            &format!("{}Invoke{}Permission", self.id, function.name()),
            Properties::Permission(Permission {
                action: "lambda:InvokeFunction".to_owned(),
                function_name: function.arn(),
                principal: "apigateway.amazonaws.com".to_owned(),
                // Any stage, method and path of this API only.
                source_arn: Expr::sub(format!(
                    "arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{}}}/*",
                    self.id
                )),
                source_account: None,
            }),
        );
        self.integrations
            .push((function.name().to_owned(), integration.clone()));
        integration
    }
}

/// `"GET /jobs/{jobId}"` -> `"GetJobsJobId"`: readable and stable logical-id stems.
pub fn route_id_stem(route_key: &str) -> String {
    route_key
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            let first = chars.next().expect("non-empty").to_ascii_uppercase();
            let rest = chars.as_str();
            // HTTP methods are upper case; everything else keeps its camel case.
            if word.chars().all(|c| c.is_ascii_uppercase()) {
                format!("{first}{}", rest.to_ascii_lowercase())
            } else {
                format!("{first}{rest}")
            }
        })
        .collect()
}

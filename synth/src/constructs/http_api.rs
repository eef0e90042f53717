use super::add;
use super::function::Function;
use super::logs::LogGroup;
use crate::model::resources::{
    AccessLogSettings, Api, ApiCors, Integration, Permission, Properties, Route, RouteSettings,
    Stage,
};
use crate::model::{Expr, Id, Template};

pub struct HttpApiProps {
    pub name: Expr,
    pub allowed_origins: Expr,
    pub log_retention_days: Expr,
    pub throttling_burst_limit: i64,
    pub throttling_rate_limit: f64,
}

/// One access-log line per request, as JSON (no request bodies, no headers).
const ACCESS_LOG_FORMAT: &str = concat!(
    r#"{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","#,
    r#""requestTime":"$context.requestTime","routeKey":"$context.routeKey","#,
    r#""status":"$context.status","responseLength":"$context.responseLength","#,
    r#""integrationError":"$context.integrationErrorMessage"}"#
);

/// An HTTP API (API Gateway v2) with CORS, a `$default` stage that auto-deploys, throttles
/// every route and writes access logs to its own log group.
pub struct HttpApi {
    pub id: Id,
    pub access_logs: LogGroup,
    integrations: Vec<(String, Id)>,
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
                    allow_headers: vec!["content-type".to_owned()],
                    max_age: 3600,
                },
            }),
        );
        let access_logs = LogGroup::new(t, &format!("{id}AccessLogs"), props.log_retention_days);
        add(
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
                access_log_settings: AccessLogSettings {
                    destination_arn: access_logs.arn(),
                    format: ACCESS_LOG_FORMAT.to_owned(),
                },
            }),
        );
        HttpApi {
            id: api,
            access_logs,
            integrations: Vec::new(),
        }
    }

    /// The invoke URL of the `$default` stage.
    pub fn url(&self) -> Expr {
        self.id.att("ApiEndpoint")
    }

    /// Routes `route_key` (`"GET /jobs/{jobId}"`) to `function`. The first route of a function
    /// adds its integration (payload format 2.0) and the permission for this API to invoke it.
    pub fn route(&mut self, t: &mut Template, route_key: &str, function: &Function) -> Id {
        let integration = match self.integrations.iter().find(|(f, _)| f == function.name()) {
            Some((_, integration)) => integration.clone(),
            None => self.integrate(t, function),
        };
        add(
            t,
            &format!("{}Route", route_id_stem(route_key)),
            Properties::Route(Route {
                api_id: self.id.r(),
                route_key: route_key.to_owned(),
                // Public by design: the front end polls anonymously; see the stack's notes.
                authorization_type: "NONE".to_owned(),
                target: Expr::join("/", vec!["integrations".into(), integration.r()]),
            }),
        )
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

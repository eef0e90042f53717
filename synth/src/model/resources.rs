//! Typed properties of every resource type the stack uses.
//!
//! Field names follow the CloudFormation resource reference; acronyms that PascalCase
//! would mangle (SSE, URI, ...) are renamed explicitly.

use super::expr::Expr;
use super::iam::PolicyDocument;
use serde::Serialize;

fn is_false(b: &bool) -> bool {
    !*b
}

/// Resource properties, one variant per CloudFormation resource type.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Properties {
    Bucket(Box<Bucket>),
    BucketPolicy(BucketPolicy),
    Table(Box<Table>),
    Queue(Queue),
    QueuePolicy(QueuePolicy),
    Role(Role),
    LogGroup(LogGroup),
    Function(Box<Function>),
    Permission(Permission),
    Rule(Rule),
    Api(Api),
    Integration(Integration),
    Route(Route),
    Stage(Stage),
    Authorizer(Authorizer),
    JobTemplate(JobTemplate),
    UserPool(Box<UserPool>),
    UserPoolClient(Box<UserPoolClient>),
    UserPoolDomain(UserPoolDomain),
    Topic(Topic),
    Subscription(Subscription),
    Alarm(Box<Alarm>),
    OriginAccessControl(OriginAccessControl),
    Distribution(Box<Distribution>),
    ResponseHeadersPolicy(Box<ResponseHeadersPolicy>),
}

impl Properties {
    pub fn type_name(&self) -> &'static str {
        match self {
            Properties::Bucket(_) => "AWS::S3::Bucket",
            Properties::BucketPolicy(_) => "AWS::S3::BucketPolicy",
            Properties::Table(_) => "AWS::DynamoDB::Table",
            Properties::Queue(_) => "AWS::SQS::Queue",
            Properties::QueuePolicy(_) => "AWS::SQS::QueuePolicy",
            Properties::Role(_) => "AWS::IAM::Role",
            Properties::LogGroup(_) => "AWS::Logs::LogGroup",
            Properties::Function(_) => "AWS::Lambda::Function",
            Properties::Permission(_) => "AWS::Lambda::Permission",
            Properties::Rule(_) => "AWS::Events::Rule",
            Properties::Api(_) => "AWS::ApiGatewayV2::Api",
            Properties::Integration(_) => "AWS::ApiGatewayV2::Integration",
            Properties::Route(_) => "AWS::ApiGatewayV2::Route",
            Properties::Stage(_) => "AWS::ApiGatewayV2::Stage",
            Properties::Authorizer(_) => "AWS::ApiGatewayV2::Authorizer",
            Properties::JobTemplate(_) => "AWS::MediaConvert::JobTemplate",
            Properties::UserPool(_) => "AWS::Cognito::UserPool",
            Properties::UserPoolClient(_) => "AWS::Cognito::UserPoolClient",
            Properties::UserPoolDomain(_) => "AWS::Cognito::UserPoolDomain",
            Properties::Topic(_) => "AWS::SNS::Topic",
            Properties::Subscription(_) => "AWS::SNS::Subscription",
            Properties::Alarm(_) => "AWS::CloudWatch::Alarm",
            Properties::OriginAccessControl(_) => "AWS::CloudFront::OriginAccessControl",
            Properties::Distribution(_) => "AWS::CloudFront::Distribution",
            Properties::ResponseHeadersPolicy(_) => "AWS::CloudFront::ResponseHeadersPolicy",
        }
    }
}

// ---- S3 ----

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Bucket {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket_name: Option<Expr>,
    pub bucket_encryption: BucketEncryption,
    pub public_access_block_configuration: PublicAccessBlockConfiguration,
    pub ownership_controls: OwnershipControls,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versioning_configuration: Option<VersioningConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle_configuration: Option<LifecycleConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cors_configuration: Option<CorsConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging_configuration: Option<LoggingConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_configuration: Option<NotificationConfiguration>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketEncryption {
    pub server_side_encryption_configuration: Vec<ServerSideEncryptionRule>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServerSideEncryptionRule {
    pub server_side_encryption_by_default: ServerSideEncryptionByDefault,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServerSideEncryptionByDefault {
    #[serde(rename = "SSEAlgorithm")]
    pub sse_algorithm: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublicAccessBlockConfiguration {
    pub block_public_acls: bool,
    pub block_public_policy: bool,
    pub ignore_public_acls: bool,
    pub restrict_public_buckets: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OwnershipControls {
    pub rules: Vec<OwnershipControlsRule>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OwnershipControlsRule {
    pub object_ownership: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VersioningConfiguration {
    pub status: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleConfiguration {
    pub rules: Vec<LifecycleRule>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleRule {
    pub id: String,
    pub status: String,
    /// The rule applies to keys with this prefix only; `None`: to the whole bucket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_in_days: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abort_incomplete_multipart_upload: Option<AbortIncompleteMultipartUpload>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noncurrent_version_expiration: Option<NoncurrentVersionExpiration>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AbortIncompleteMultipartUpload {
    pub days_after_initiation: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NoncurrentVersionExpiration {
    pub noncurrent_days: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CorsConfiguration {
    pub cors_rules: Vec<CorsRule>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CorsRule {
    pub allowed_origins: Expr,
    pub allowed_methods: Vec<String>,
    pub allowed_headers: Vec<String>,
    pub max_age: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfiguration {
    pub destination_bucket_name: Expr,
    pub log_file_prefix: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NotificationConfiguration {
    pub lambda_configurations: Vec<LambdaConfiguration>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LambdaConfiguration {
    pub event: String,
    pub function: Expr,
    pub filter: NotificationFilter,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NotificationFilter {
    #[serde(rename = "S3Key")]
    pub s3_key: S3KeyFilter,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct S3KeyFilter {
    pub rules: Vec<FilterRule>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FilterRule {
    pub name: String,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketPolicy {
    pub bucket: Expr,
    pub policy_document: PolicyDocument,
}

// ---- DynamoDB ----

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Table {
    pub billing_mode: String,
    pub attribute_definitions: Vec<AttributeDefinition>,
    pub key_schema: Vec<KeySchemaElement>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub global_secondary_indexes: Vec<GlobalSecondaryIndex>,
    pub time_to_live_specification: TimeToLiveSpecification,
    #[serde(rename = "SSESpecification")]
    pub sse_specification: SseSpecification,
    pub point_in_time_recovery_specification: PointInTimeRecoverySpecification,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeDefinition {
    pub attribute_name: String,
    pub attribute_type: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeySchemaElement {
    pub attribute_name: String,
    pub key_type: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GlobalSecondaryIndex {
    pub index_name: String,
    pub key_schema: Vec<KeySchemaElement>,
    pub projection: Projection,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Projection {
    pub projection_type: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub non_key_attributes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TimeToLiveSpecification {
    pub attribute_name: String,
    pub enabled: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SseSpecification {
    #[serde(rename = "SSEEnabled")]
    pub sse_enabled: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PointInTimeRecoverySpecification {
    pub point_in_time_recovery_enabled: bool,
}

// ---- SQS ----

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Queue {
    pub message_retention_period: i64,
    pub sqs_managed_sse_enabled: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueuePolicy {
    pub queues: Vec<Expr>,
    pub policy_document: PolicyDocument,
}

// ---- IAM ----

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Role {
    pub assume_role_policy_document: PolicyDocument,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<InlinePolicy>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InlinePolicy {
    pub policy_name: String,
    pub policy_document: PolicyDocument,
}

// ---- Logs ----

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogGroup {
    pub retention_in_days: Expr,
}

// ---- Lambda ----

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
        m.serialize_entry("Variables", &super::expr::OrderedMap(&self.0))?;
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

// ---- EventBridge ----

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Rule {
    pub description: String,
    pub event_pattern: Expr,
    pub state: String,
    pub targets: Vec<Target>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Target {
    pub id: String,
    pub arn: Expr,
    pub retry_policy: RetryPolicy,
    pub dead_letter_config: TargetDeadLetterConfig,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RetryPolicy {
    pub maximum_retry_attempts: i64,
    pub maximum_event_age_in_seconds: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TargetDeadLetterConfig {
    pub arn: Expr,
}

// ---- API Gateway v2 ----

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Api {
    pub name: Expr,
    pub protocol_type: String,
    pub cors_configuration: ApiCors,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApiCors {
    pub allow_origins: Expr,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub max_age: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Integration {
    pub api_id: Expr,
    pub integration_type: String,
    pub integration_uri: Expr,
    pub payload_format_version: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Route {
    pub api_id: Expr,
    pub route_key: String,
    pub authorization_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorizer_id: Option<Expr>,
    pub target: Expr,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Authorizer {
    pub api_id: Expr,
    pub authorizer_type: String,
    pub name: String,
    pub identity_source: Vec<String>,
    pub jwt_configuration: JwtConfiguration,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct JwtConfiguration {
    pub audience: Vec<Expr>,
    pub issuer: Expr,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Stage {
    pub api_id: Expr,
    pub stage_name: String,
    pub auto_deploy: bool,
    pub default_route_settings: RouteSettings,
    /// Per-route settings that override the defaults, keyed by route key.
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "ordered_map")]
    pub route_settings: Vec<(String, RouteSettings)>,
    pub access_log_settings: AccessLogSettings,
}

fn ordered_map<S: serde::Serializer, V: Serialize>(
    entries: &[(String, V)],
    s: S,
) -> Result<S::Ok, S::Error> {
    super::expr::OrderedMap(entries).serialize(s)
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RouteSettings {
    pub throttling_burst_limit: i64,
    pub throttling_rate_limit: f64,
    #[serde(skip_serializing_if = "is_false")]
    pub detailed_metrics_enabled: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessLogSettings {
    pub destination_arn: Expr,
    pub format: String,
}

// ---- MediaConvert ----

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

// ---- Cognito ----

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserPool {
    pub user_pool_name: Expr,
    pub username_attributes: Vec<String>,
    pub auto_verified_attributes: Vec<String>,
    pub username_configuration: UsernameConfiguration,
    pub user_attribute_update_settings: UserAttributeUpdateSettings,
    pub admin_create_user_config: AdminCreateUserConfig,
    pub policies: UserPoolPolicies,
    pub account_recovery_setting: AccountRecoverySetting,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UsernameConfiguration {
    pub case_sensitive: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserAttributeUpdateSettings {
    pub attributes_require_verification_before_update: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AdminCreateUserConfig {
    pub allow_admin_create_user_only: Expr,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserPoolPolicies {
    pub password_policy: PasswordPolicy,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PasswordPolicy {
    pub minimum_length: i64,
    pub require_lowercase: bool,
    pub require_uppercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
    pub temporary_password_validity_days: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountRecoverySetting {
    pub recovery_mechanisms: Vec<RecoveryOption>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecoveryOption {
    pub name: String,
    pub priority: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserPoolClient {
    pub user_pool_id: Expr,
    pub client_name: String,
    pub generate_secret: bool,
    #[serde(rename = "AllowedOAuthFlows")]
    pub allowed_oauth_flows: Vec<String>,
    #[serde(rename = "AllowedOAuthFlowsUserPoolClient")]
    pub allowed_oauth_flows_user_pool_client: bool,
    #[serde(rename = "AllowedOAuthScopes")]
    pub allowed_oauth_scopes: Vec<String>,
    pub supported_identity_providers: Vec<String>,
    #[serde(rename = "CallbackURLs")]
    pub callback_urls: Expr,
    #[serde(rename = "LogoutURLs")]
    pub logout_urls: Expr,
    pub explicit_auth_flows: Vec<String>,
    pub prevent_user_existence_errors: String,
    pub enable_token_revocation: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserPoolDomain {
    pub domain: Expr,
    pub user_pool_id: Expr,
}

// ---- SNS ----

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Topic {
    pub display_name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Subscription {
    pub topic_arn: Expr,
    pub protocol: String,
    pub endpoint: Expr,
}

// ---- CloudWatch ----

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Alarm {
    pub alarm_description: String,
    pub namespace: String,
    pub metric_name: String,
    pub dimensions: Vec<Dimension>,
    pub statistic: String,
    pub period: i64,
    pub evaluation_periods: i64,
    pub threshold: i64,
    pub comparison_operator: String,
    pub treat_missing_data: String,
    pub alarm_actions: Vec<Expr>,
    #[serde(rename = "OKActions")]
    pub ok_actions: Vec<Expr>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Dimension {
    pub name: String,
    pub value: Expr,
}

// ---- CloudFront ----

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OriginAccessControl {
    pub origin_access_control_config: OriginAccessControlConfig,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OriginAccessControlConfig {
    pub name: Expr,
    pub description: String,
    pub origin_access_control_origin_type: String,
    pub signing_behavior: String,
    pub signing_protocol: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Distribution {
    pub distribution_config: DistributionConfig,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DistributionConfig {
    pub comment: String,
    pub enabled: bool,
    pub http_version: String,
    #[serde(rename = "IPV6Enabled")]
    pub ipv6_enabled: bool,
    pub price_class: String,
    pub origins: Vec<Origin>,
    pub default_cache_behavior: DefaultCacheBehavior,
    pub viewer_certificate: ViewerCertificate,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Origin {
    pub id: String,
    pub domain_name: Expr,
    pub origin_path: String,
    pub origin_access_control_id: Expr,
    /// Required for an S3 origin; empty because access goes through the OAC, not a legacy
    /// origin access identity.
    pub s3_origin_config: S3OriginConfig,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct S3OriginConfig {
    pub origin_access_identity: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DefaultCacheBehavior {
    pub target_origin_id: String,
    pub viewer_protocol_policy: String,
    pub allowed_methods: Vec<String>,
    pub cached_methods: Vec<String>,
    pub cache_policy_id: String,
    pub response_headers_policy_id: Expr,
    pub compress: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ViewerCertificate {
    pub cloud_front_default_certificate: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResponseHeadersPolicy {
    pub response_headers_policy_config: ResponseHeadersPolicyConfig,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResponseHeadersPolicyConfig {
    pub name: Expr,
    pub comment: String,
    pub cors_config: CorsConfig,
    pub security_headers_config: SecurityHeadersConfig,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CorsConfig {
    pub access_control_allow_credentials: bool,
    pub access_control_allow_headers: Items,
    pub access_control_allow_methods: Items,
    pub access_control_allow_origins: Items,
    pub access_control_expose_headers: Items,
    pub access_control_max_age_sec: i64,
    pub origin_override: bool,
}

/// CloudFront's `{"Items": [...]}` lists.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Items {
    pub items: Expr,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityHeadersConfig {
    pub content_type_options: ContentTypeOptions,
    pub strict_transport_security: StrictTransportSecurity,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContentTypeOptions {
    pub r#override: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StrictTransportSecurity {
    pub access_control_max_age_sec: i64,
    pub include_subdomains: bool,
    pub r#override: bool,
}

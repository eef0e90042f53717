//! Typed properties of every resource type the stack uses, one module per AWS service
//! (named as in the type: `AWS::ApiGatewayV2::Route` is in [`apigatewayv2`]).
//!
//! Field names follow the CloudFormation resource reference; acronyms that PascalCase
//! would mangle (SSE, URI, ...) are renamed explicitly. Every type is re-exported here, so
//! `resources::Bucket` names the same type as `resources::s3::Bucket`.

pub mod apigatewayv2;
pub mod appsync;
pub mod cloudfront;
pub mod cloudwatch;
pub mod cognito;
pub mod dynamodb;
pub mod events;
pub mod iam;
pub mod lambda;
pub mod logs;
pub mod mediaconvert;
pub mod s3;
pub mod sns;
pub mod sqs;

pub use apigatewayv2::*;
pub use appsync::*;
pub use cloudfront::*;
pub use cloudwatch::*;
pub use cognito::*;
pub use dynamodb::*;
pub use events::*;
pub use iam::*;
pub use lambda::*;
pub use logs::*;
pub use mediaconvert::*;
pub use s3::*;
pub use sns::*;
pub use sqs::*;

use serde::Serialize;

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
    EventApi(Box<EventApi>),
    ChannelNamespace(ChannelNamespace),
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
            Properties::EventApi(_) => "AWS::AppSync::Api",
            Properties::ChannelNamespace(_) => "AWS::AppSync::ChannelNamespace",
        }
    }
}

//! The local stack (`cargo run -p local`): stand-ins for the AWS services of the stack that
//! moto does not run, wired from the deployed template. API Gateway's HTTP API with its JWT
//! authorizer, EventBridge's pattern matching, S3's notifications to Lambda, Lambda itself
//! (the Runtime API), the Cognito hosted UI and the CloudFront distribution.

pub mod authorizer;
pub mod deployment;
pub mod distribution;
pub mod error;
pub mod eventbridge;
pub mod functions;
pub mod gateway;
pub mod hosted_ui;
pub mod http;
pub mod lambda;
pub mod moto;
pub mod notifications;

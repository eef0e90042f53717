//! The synthesizer: a typed CloudFormation model ([`model`]), constructs with CDK-style grants
//! over it ([`constructs`]), and the application's stack ([`stack`]).

pub mod constructs;
pub mod job_settings;
pub mod model;
pub mod stack;

//! Stand-ins for the AWS services of the stack's edge that moto does not run, so the local
//! stack answers as a deployed one does: API Gateway's HTTP API JWT authorizer.

pub mod authorizer;

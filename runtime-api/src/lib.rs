//! A stand-in for the AWS Lambda Runtime API (version 2018-06-01), so a handler binary can be
//! started the way Lambda starts it: a fresh process whose `AWS_LAMBDA_RUNTIME_API` points here,
//! which polls `GET /runtime/invocation/next` and posts its answer back.
//!
//! Only std and threads: one thread per connection, HTTP/1.1 with keep-alive, because the
//! `lambda_runtime` client reuses one pooled connection for the whole life of the process.
//! Every post is recorded with the instant it arrived, which is what the cold-start benchmark
//! measures against.
//!
//! [`HttpStub`] reuses the same HTTP plumbing for services that have no emulator
//! (MediaConvert): it records each request and answers with what a closure makes of it.
//!
//! The modules, in the order a request meets them: `http` (the wire), `routes` (the Runtime
//! API's routes, over the `queue` of events and answers, `invocation` the records kept),
//! `runtime` (the [`RuntimeApi`] handle), `function` (a handler process run against one),
//! `procfs` (what that process used), `environment` (what Lambda sets in a function's
//! environment) and `http_stub`. All of it is re-exported here, at the crate's root.

mod environment;
mod function;
mod http;
mod http_stub;
mod invocation;
mod procfs;
mod queue;
mod routes;
mod runtime;

pub use environment::{ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, lambda_environment};
pub use function::Function;
pub use http::{Request, Response};
pub use http_stub::HttpStub;
pub use invocation::{Invocation, Outcome, Posted};
pub use procfs::CpuTime;
pub use runtime::RuntimeApi;

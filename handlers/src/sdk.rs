//! The AWS SDK configuration every binary loads: the environment's settings plus timeouts,
//! so that a store or service that stops answering fails the call within the function's own
//! time limit instead of hanging until Lambda kills the invocation.

use aws_config::timeout::TimeoutConfig;
use std::time::Duration;

/// How long one function may wait on one AWS call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    /// One attempt (the SDK retries, up to three attempts by default).
    pub attempt: Duration,
    /// The whole call, retries included.
    pub operation: Duration,
}

/// status-api answers people through API Gateway (30 s limit) and runs under a 10 s Lambda
/// timeout: a store that does not answer gets the documented 503 after at most 6 s.
pub const STATUS_API_TIMEOUTS: Timeouts = Timeouts {
    connect: Duration::from_secs(1),
    attempt: Duration::from_secs(2),
    operation: Duration::from_secs(6),
};

/// create-job and job-state run under a 30 s Lambda timeout; a failed call is retried by
/// Lambda with the event, so a call may take longer but must end before the function does.
pub const EVENT_HANDLER_TIMEOUTS: Timeouts = Timeouts {
    connect: Duration::from_secs(2),
    attempt: Duration::from_secs(6),
    operation: Duration::from_secs(20),
};

impl Timeouts {
    pub fn config(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect)
            .operation_attempt_timeout(self.attempt)
            .operation_timeout(self.operation)
            .build()
    }
}

/// The environment's configuration (region, credentials, endpoint overrides) with `timeouts`.
pub async fn load(timeouts: Timeouts) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .timeout_config(timeouts.config())
        .load()
        .await
}

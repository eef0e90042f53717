use super::add;
use super::function::Function;
use super::queue::Queue;
use crate::model::resources::{
    Permission, Properties, RetryPolicy, Rule, Target, TargetDeadLetterConfig,
};
use crate::model::{Expr, Id, Template};

/// How long EventBridge keeps retrying a delivery the function throttled or failed to accept.
const MAX_EVENT_AGE_SECONDS: i64 = 3600;
const MAX_RETRY_ATTEMPTS: i64 = 24;

/// An EventBridge rule on the default bus invoking one function, with a retry policy, a
/// dead-letter queue for what it could not deliver, and the two resource policies that
/// lets EventBridge invoke the function and fill the queue, each only for this rule.
pub struct EventRule {
    pub id: Id,
    pub dead_letter_queue: Queue,
}

impl EventRule {
    pub fn new(
        t: &mut Template,
        id: &str,
        description: &str,
        pattern: Expr,
        target: &Function,
    ) -> Self {
        let dead_letter_queue = Queue::new(t, &format!("{id}DeadLetterQueue"));
        let rule = add(
            t,
            id,
            Properties::Rule(Rule {
                description: description.to_owned(),
                event_pattern: pattern,
                state: "ENABLED".to_owned(),
                targets: vec![Target {
                    id: target.name().to_owned(),
                    arn: target.arn(),
                    retry_policy: RetryPolicy {
                        maximum_retry_attempts: MAX_RETRY_ATTEMPTS,
                        maximum_event_age_in_seconds: MAX_EVENT_AGE_SECONDS,
                    },
                    dead_letter_config: TargetDeadLetterConfig {
                        arn: dead_letter_queue.arn(),
                    },
                }],
            }),
        );
        dead_letter_queue.allow_service_send(
            t,
            &format!("{id}DeadLetterQueuePolicy"),
            "events.amazonaws.com",
            rule.arn(),
        );
        add(
            t,
            &format!("{id}Invoke{}Permission", target.name()),
            Properties::Permission(Permission {
                action: "lambda:InvokeFunction".to_owned(),
                function_name: target.arn(),
                principal: "events.amazonaws.com".to_owned(),
                source_arn: rule.arn(),
                source_account: None,
            }),
        );
        EventRule {
            id: rule,
            dead_letter_queue,
        }
    }
}

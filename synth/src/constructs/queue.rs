use super::{Grantee, add};
use crate::model::iam::{PolicyDocument, Principal, Statement};
use crate::model::resources::{Properties, Queue as QueueProps, QueuePolicy};
use crate::model::{Expr, Id, Resource, Template};

/// Fourteen days, SQS's maximum: a dead letter is kept as long as SQS allows.
const RETENTION_SECONDS: i64 = 14 * 24 * 3600;

/// Why CKV_AWS_27 (which only accepts `KmsMasterKeyId`) does not apply.
const SSE_SQS: &str = "Encrypted at rest with SQS-managed keys (SqsManagedSseEnabled), which \
    checkov does not recognize. The AWS-managed aws/sqs KMS key would break delivery: its key \
    policy cannot admit EventBridge. A customer-managed key costs a monthly fee per stage \
    while the stack is idle.";

/// An SQS queue (here: dead-letter queues), encrypted with SQS-managed keys.
pub struct Queue {
    pub id: Id,
}

impl Queue {
    pub fn new(t: &mut Template, id: &str) -> Self {
        let queue = Resource::new(Properties::Queue(QueueProps {
            message_retention_period: RETENTION_SECONDS,
            sqs_managed_sse_enabled: true,
        }))
        .skip_checkov("CKV_AWS_27", SSE_SQS);
        let id = t.add(id, queue);
        Queue { id }
    }

    pub fn arn(&self) -> Expr {
        self.id.arn()
    }

    pub fn grant_send(&self, to: &mut impl Grantee) {
        to.policy().allow(&["sqs:SendMessage"], vec![self.arn()]);
    }

    /// A queue policy letting one AWS service send, only on behalf of `source_arn`.
    pub fn allow_service_send(&self, t: &mut Template, id: &str, service: &str, source_arn: Expr) {
        let statement = Statement::allow(&["sqs:SendMessage"], vec![self.arn()])
            .principal(Principal::Service(service.to_owned()))
            .condition("ArnEquals", "aws:SourceArn", source_arn);
        add(
            t,
            id,
            Properties::QueuePolicy(QueuePolicy {
                queues: vec![self.id.r()],
                policy_document: PolicyDocument::new(vec![statement]),
            }),
        );
    }
}

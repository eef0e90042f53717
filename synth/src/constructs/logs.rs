use super::Grantee;
use crate::model::resources::{LogGroup as LogGroupProps, Properties};
use crate::model::{Expr, Id, Resource, Template};

/// Why CKV_AWS_158 (KMS key on the log group) does not apply.
const DEFAULT_ENCRYPTION: &str = "CloudWatch Logs encrypts every log group at rest by default. \
    The logs hold no secrets (the AES key is never logged), and a customer-managed key would \
    cost a monthly fee per stage while the stack is idle.";

/// A log group with a retention; its name is left to CloudFormation.
pub struct LogGroup {
    pub id: Id,
}

impl LogGroup {
    pub fn new(t: &mut Template, id: &str, retention_days: Expr) -> Self {
        let group = Resource::new(Properties::LogGroup(LogGroupProps {
            retention_in_days: retention_days,
        }))
        .skip_checkov("CKV_AWS_158", DEFAULT_ENCRYPTION);
        let id = t.add(id, group);
        LogGroup { id }
    }

    pub fn name(&self) -> Expr {
        self.id.r()
    }

    /// `arn:...:log-group:<name>:*`, which covers the group's streams.
    pub fn arn(&self) -> Expr {
        self.id.arn()
    }

    /// What a Lambda function's runtime needs to write its logs here: the group exists
    /// already, so no `logs:CreateLogGroup`.
    pub fn grant_write(&self, to: &mut impl Grantee) {
        to.policy().allow(
            &["logs:CreateLogStream", "logs:PutLogEvents"],
            vec![self.arn()],
        );
    }
}

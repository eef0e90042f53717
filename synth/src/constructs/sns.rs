use crate::model::resources::{Properties, Subscription, Topic as TopicProps};
use crate::model::{Expr, Id, Resource, Template};

/// Why CKV_AWS_26 (KMS encryption of the topic) does not apply.
const UNENCRYPTED: &str = "CloudWatch alarms cannot publish to a topic encrypted with the \
    AWS-managed aws/sns key (its key policy cannot be changed to admit CloudWatch); a \
    customer-managed key would cost a monthly fee per stage. The topic carries only alarm \
    state changes (alarm names, metric values), never video data, keys or user data.";

/// An SNS topic that exists only under `condition`.
pub struct Topic {
    pub id: Id,
    condition: Id,
}

impl Topic {
    pub fn new(t: &mut Template, id: &str, display_name: &str, condition: &Id) -> Self {
        let topic = Resource::new(Properties::Topic(TopicProps {
            display_name: display_name.to_owned(),
        }))
        .condition(condition)
        .skip_checkov("CKV_AWS_26", UNENCRYPTED);
        Topic {
            id: t.add(id, topic),
            condition: condition.clone(),
        }
    }

    /// `Ref` of a topic is its ARN.
    pub fn arn(&self) -> Expr {
        self.id.r()
    }

    pub fn condition(&self) -> &Id {
        &self.condition
    }

    /// An e-mail subscription; AWS mails `address` a link to confirm it before it receives
    /// anything.
    pub fn subscribe_email(&self, t: &mut Template, id: &str, address: Expr) -> Id {
        let subscription = Resource::new(Properties::Subscription(Subscription {
            topic_arn: self.arn(),
            protocol: "email".to_owned(),
            endpoint: address,
        }))
        .condition(&self.condition);
        t.add(id, subscription)
    }
}

use super::Grantee;
use crate::model::iam::Conditions;
use crate::model::resources::{
    AttributeDefinition, KeySchemaElement, PointInTimeRecoverySpecification, Properties,
    SseSpecification, Table as TableProps, TimeToLiveSpecification,
};
use crate::model::{Expr, Id, Resource, Template};

/// The TTL attribute of every table (epoch seconds), as in the seed.
pub use wiring::table::TTL_ATTRIBUTE;

/// Why CKV_AWS_119 (customer-managed KMS key) does not apply.
const AWS_KEY: &str = "Encrypted at rest with the AWS-managed DynamoDB key (SSEEnabled); IAM \
    scopes every function to its tables. The one secret stored (KeyValue) is the HLS key that \
    is also delivered as the key file in the output bucket (SSE-S3), so a customer-managed key \
    here would not raise its protection, while costing a monthly fee per stage when idle.";

/// A DynamoDB table keyed by one string attribute, billed on demand: no provisioned
/// capacity, so no auto scaling and none of the CloudWatch alarms it creates.
pub struct Table {
    pub id: Id,
}

impl Table {
    pub fn new(t: &mut Template, id: &str, partition_key: &str) -> Self {
        let props = TableProps {
            billing_mode: "PAY_PER_REQUEST".to_owned(),
            attribute_definitions: vec![AttributeDefinition {
                attribute_name: partition_key.to_owned(),
                attribute_type: "S".to_owned(),
            }],
            key_schema: vec![KeySchemaElement {
                attribute_name: partition_key.to_owned(),
                key_type: "HASH".to_owned(),
            }],
            time_to_live_specification: TimeToLiveSpecification {
                attribute_name: TTL_ATTRIBUTE.to_owned(),
                enabled: true,
            },
            sse_specification: SseSpecification { sse_enabled: true },
            // Priced per GB stored: an idle, TTL-emptied table costs next to nothing.
            point_in_time_recovery_specification: PointInTimeRecoverySpecification {
                point_in_time_recovery_enabled: true,
            },
        };
        let table =
            Resource::new(Properties::Table(Box::new(props))).skip_checkov("CKV_AWS_119", AWS_KEY);
        Table {
            id: t.add(id, table),
        }
    }

    pub fn name(&self) -> Expr {
        self.id.r()
    }

    pub fn arn(&self) -> Expr {
        self.id.arn()
    }

    /// Reads of single items by key: the tables are key-value lookups, never queried or scanned.
    pub fn grant_read(&self, to: &mut impl Grantee) {
        to.policy().allow(&["dynamodb:GetItem"], vec![self.arn()]);
    }

    /// Creating or replacing whole items (conditional puts included).
    pub fn grant_put(&self, to: &mut impl Grantee) {
        to.policy().allow(&["dynamodb:PutItem"], vec![self.arn()]);
    }

    /// Changing attributes of items (conditional updates included).
    pub fn grant_update(&self, to: &mut impl Grantee) {
        to.policy()
            .allow(&["dynamodb:UpdateItem"], vec![self.arn()]);
    }

    /// Deleting items whose partition key starts with `key_prefix`, and no others.
    pub fn grant_delete_keys_starting_with(&self, to: &mut impl Grantee, key_prefix: &str) {
        to.policy().allow_if(
            &["dynamodb:DeleteItem"],
            vec![self.arn()],
            Conditions::default().with(
                "ForAllValues:StringLike",
                "dynamodb:LeadingKeys",
                Expr::strs(&[format!("{key_prefix}*")]),
            ),
        );
    }
}

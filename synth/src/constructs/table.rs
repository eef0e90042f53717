use super::Grantee;
use crate::model::iam::Conditions;
use crate::model::resources::{
    AttributeDefinition, GlobalSecondaryIndex, KeySchemaElement, PointInTimeRecoverySpecification,
    Projection, Properties, SseSpecification, Table as TableProps, TimeToLiveSpecification,
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
    indexes: Vec<String>,
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
            global_secondary_indexes: Vec::new(),
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
            indexes: Vec::new(),
        }
    }

    pub fn name(&self) -> Expr {
        self.id.r()
    }

    pub fn arn(&self) -> Expr {
        self.id.arn()
    }

    /// Adds a global secondary index keyed by `(hash, range)`, each `(attribute, type)` with
    /// type `S` or `N`, projecting every attribute. Items without both attributes stay out of
    /// the index; an item whose attribute has another type is refused by DynamoDB.
    pub fn add_index(
        &mut self,
        t: &mut Template,
        name: &str,
        hash: (&str, &str),
        range: (&str, &str),
    ) {
        let resource = t
            .resource_mut(&self.id)
            .expect("the table was added by Table::new");
        let Properties::Table(props) = &mut resource.properties else {
            unreachable!("Table::new adds a table");
        };
        let mut key_schema = Vec::new();
        for ((attribute, kind), key_type) in [(hash, "HASH"), (range, "RANGE")] {
            let defined = props
                .attribute_definitions
                .iter()
                .find(|d| d.attribute_name == attribute);
            match defined {
                Some(d) => assert_eq!(
                    d.attribute_type, kind,
                    "index `{name}`: attribute `{attribute}` is already a key of type {}",
                    d.attribute_type
                ),
                None => props.attribute_definitions.push(AttributeDefinition {
                    attribute_name: attribute.to_owned(),
                    attribute_type: kind.to_owned(),
                }),
            }
            key_schema.push(KeySchemaElement {
                attribute_name: attribute.to_owned(),
                key_type: key_type.to_owned(),
            });
        }
        self.indexes.push(name.to_owned());
        props.global_secondary_indexes.push(GlobalSecondaryIndex {
            index_name: name.to_owned(),
            key_schema,
            // ALL, not INCLUDE: the items are a few small attributes that TTL removes, and an
            // attribute the reader needs but the index lacks would fail only at run time.
            projection: Projection {
                projection_type: "ALL".to_owned(),
                non_key_attributes: Vec::new(),
            },
        });
    }

    /// ARN of the index `name`, the resource a Query on that index is authorized against.
    ///
    /// # Panics
    /// When the table has no such index (a grant on it would authorize nothing).
    pub fn index_arn(&self, name: &str) -> Expr {
        assert!(
            self.indexes.iter().any(|i| i == name),
            "table `{}` has no index `{name}`",
            self.id
        );
        Expr::sub(format!("${{{}.Arn}}/index/{name}", self.id))
    }

    /// Reads of single items by key.
    pub fn grant_read(&self, to: &mut impl Grantee) {
        to.policy().allow(&["dynamodb:GetItem"], vec![self.arn()]);
    }

    /// Reads of up to 100 items by key in one call.
    pub fn grant_batch_read(&self, to: &mut impl Grantee) {
        to.policy()
            .allow(&["dynamodb:BatchGetItem"], vec![self.arn()]);
    }

    /// Query on the index `index` only: the table itself is never queried or scanned.
    pub fn grant_query_index(&self, to: &mut impl Grantee, index: &str) {
        to.policy()
            .allow(&["dynamodb:Query"], vec![self.index_arn(index)]);
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

    /// Deleting items by key.
    pub fn grant_delete(&self, to: &mut impl Grantee) {
        to.policy()
            .allow(&["dynamodb:DeleteItem"], vec![self.arn()]);
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

//! Upload quota: QuotaKey (`<owner>#<UTC day>`) -> UploadCount, ExpirationTime (TTL).

use super::{StoreError, conditional, n, s};
use aws_sdk_dynamodb::Client;

pub use wiring::table::{QUOTA_KEY, UPLOAD_COUNT};

#[derive(Debug, Clone)]
pub struct QuotaTable {
    client: Client,
    name: String,
}

impl QuotaTable {
    pub fn new(client: Client, name: impl Into<String>) -> Self {
        QuotaTable {
            client,
            name: name.into(),
        }
    }

    /// Counts one upload against `key` unless `max` are already counted: one conditional
    /// update, so concurrent requests can never count past `max` together. `Ok(false)` when
    /// the quota is used up (nothing was written).
    pub async fn take(&self, key: &str, max: u32, expires_at: i64) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.name)
            .key(QUOTA_KEY, s(key))
            .update_expression("ADD #count :one SET #ttl = :exp")
            .condition_expression("attribute_not_exists(#count) OR #count < :max")
            .expression_attribute_names("#count", UPLOAD_COUNT)
            .expression_attribute_names("#ttl", wiring::table::TTL_ATTRIBUTE)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":max", n(max))
            .expression_attribute_values(":exp", n(expires_at))
            .send()
            .await;
        conditional("UpdateItem", &self.name, result)
    }
}

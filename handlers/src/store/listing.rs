//! A user's uploads, newest first, from the input-file table's `OwnerIndex` (never a Scan).

use super::{InputFileTable, StoreError, get_n, get_s, n, s, store_error};
use std::collections::HashMap;

use wiring::table::{CREATION_TIME, INPUT_FILE, JOB_ID};
pub use wiring::table::{OWNER, OWNER_INDEX};

/// Where a page ended: the index's LastEvaluatedKey (index and table keys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageKey {
    pub owner: String,
    pub creation_time: i64,
    pub input_file: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedUpload {
    pub input_file: String,
    /// Absent until create-job has recorded the upload's job.
    pub job_id: Option<String>,
    pub creation_time: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub uploads: Vec<OwnedUpload>,
    pub next: Option<PageKey>,
}

impl InputFileTable {
    /// Up to `limit` uploads of `owner`, newest first, after `start`.
    pub async fn list_owned(
        &self,
        owner: &str,
        limit: u32,
        start: Option<&PageKey>,
    ) -> Result<Page, StoreError> {
        let start = start.map(|k| {
            HashMap::from([
                (OWNER.to_string(), s(&k.owner)),
                (CREATION_TIME.to_string(), n(k.creation_time)),
                (INPUT_FILE.to_string(), s(&k.input_file)),
            ])
        });
        let out = self
            .t
            .client
            .query()
            .table_name(&self.t.name)
            .index_name(OWNER_INDEX)
            .key_condition_expression("#owner = :owner")
            .expression_attribute_names("#owner", OWNER)
            .expression_attribute_values(":owner", s(owner))
            .scan_index_forward(false)
            .limit(limit as i32)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| store_error("Query", &self.t.name, e))?;
        let uploads = out
            .items
            .unwrap_or_default()
            .iter()
            .filter_map(|item| {
                Some(OwnedUpload {
                    input_file: get_s(item, INPUT_FILE)?,
                    job_id: get_s(item, JOB_ID),
                    creation_time: get_n(item, CREATION_TIME).unwrap_or(0),
                })
            })
            .collect();
        let next = out.last_evaluated_key.as_ref().and_then(|k| {
            Some(PageKey {
                owner: get_s(k, OWNER)?,
                creation_time: get_n(k, CREATION_TIME)?,
                input_file: get_s(k, INPUT_FILE)?,
            })
        });
        Ok(Page { uploads, next })
    }
}

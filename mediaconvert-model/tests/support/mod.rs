//! The pinned botocore's MediaConvert model, loaded once per test binary.

use mediaconvert_model::Model;
use std::sync::OnceLock;

/// The model of the botocore in the pinned tools; a missing tool fails naming
/// `scripts/tools.sh` (testkit's `tool`).
pub fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let python = testkit::tool("python");
        Model::from_botocore(&python).unwrap_or_else(|e| {
            panic!("the pinned botocore's MediaConvert model: {e}; run `bash scripts/tools.sh`")
        })
    })
}

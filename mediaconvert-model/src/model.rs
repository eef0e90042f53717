//! [`Model`]: a loaded service model, what it says about itself, and the shapes the validator
//! and the renamer look up. It is made by the constructors in [`crate::load`].

use crate::shape::Shape;
use std::collections::HashMap;
use std::fmt;

/// A loaded service model.
pub struct Model {
    pub(crate) service_id: String,
    pub(crate) api_version: String,
    pub(crate) shapes: HashMap<String, Shape>,
    /// Compiled `pattern`s by shape name.
    pub(crate) patterns: HashMap<String, regex_lite::Regex>,
    /// Shapes whose pattern the regex engine does not accept, so it is not enforced.
    pub(crate) unchecked_patterns: Vec<String>,
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model")
            .field("service_id", &self.service_id)
            .field("api_version", &self.api_version)
            .field("shapes", &self.shapes.len())
            .finish()
    }
}

impl Model {
    /// The model's `serviceId` (`MediaConvert`).
    pub fn service_id(&self) -> &str {
        &self.service_id
    }

    /// The model's `apiVersion`.
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    pub fn has_shape(&self, name: &str) -> bool {
        self.shapes.contains_key(name)
    }

    /// Shapes whose `pattern` is not enforced because the regex engine rejects it.
    pub fn unchecked_patterns(&self) -> &[String] {
        &self.unchecked_patterns
    }
}

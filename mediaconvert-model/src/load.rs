//! Loading the model: finding it in the botocore a python imports, reading it (gzipped as
//! botocore ships it, or plain JSON), and checking it hangs together before anything is
//! validated against it. Every failure is a [`LoadError`] naming the file or the shape.

use crate::model::Model;
use crate::shape::{RawModel, Shape};
use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The MediaConvert API version whose model botocore ships.
pub const API_VERSION: &str = "2017-08-29";

/// Where the model sits inside botocore's package folder.
pub fn botocore_relative_path() -> PathBuf {
    Path::new("data/mediaconvert")
        .join(API_VERSION)
        .join("service-2.json.gz")
}

/// The model could not be found, read or understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError(pub String);

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LoadError {}

impl Model {
    /// The path of the model inside the botocore that `python` imports.
    ///
    /// # Errors
    /// When `python` does not run, botocore is not importable, or it has no MediaConvert model.
    pub fn botocore_model_path(python: &Path) -> Result<PathBuf, LoadError> {
        let out = Command::new(python)
            .args([
                "-c",
                "import botocore, os; print(os.path.dirname(botocore.__file__))",
            ])
            .output()
            .map_err(|e| LoadError(format!("running {} failed: {e}", python.display())))?;
        if !out.status.success() {
            return Err(LoadError(format!(
                "{} cannot import botocore ({}): {}",
                python.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let dir = String::from_utf8(out.stdout)
            .map_err(|_| LoadError("botocore's folder is not UTF-8".into()))?;
        let path = Path::new(dir.trim()).join(botocore_relative_path());
        if !path.is_file() {
            return Err(LoadError(format!(
                "botocore has no MediaConvert {API_VERSION} model at {}",
                path.display()
            )));
        }
        Ok(path)
    }

    /// The MediaConvert model of the botocore that `python` imports.
    ///
    /// # Errors
    /// As [`Model::botocore_model_path`] and [`Model::load`].
    pub fn from_botocore(python: &Path) -> Result<Model, LoadError> {
        Model::load(&Model::botocore_model_path(python)?)
    }

    /// Reads a model file, gzipped (as botocore ships it) or plain JSON.
    ///
    /// # Errors
    /// When the file cannot be read or decompressed, or is not a service model.
    pub fn load(path: &Path) -> Result<Model, LoadError> {
        let bytes = std::fs::read(path)
            .map_err(|e| LoadError(format!("reading {} failed: {e}", path.display())))?;
        let json = if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut text = Vec::with_capacity(bytes.len() * 12);
            flate2::read::GzDecoder::new(bytes.as_slice())
                .read_to_end(&mut text)
                .map_err(|e| LoadError(format!("decompressing {} failed: {e}", path.display())))?;
            text
        } else {
            bytes
        };
        Model::from_json(&json).map_err(|e| LoadError(format!("{}: {e}", path.display())))
    }

    /// Parses a model from its JSON text and checks that every shape it refers to exists.
    ///
    /// # Errors
    /// When the text is not a service model or refers to a shape it does not define.
    pub fn from_json(json: &[u8]) -> Result<Model, LoadError> {
        let raw: RawModel = serde_json::from_slice(json)
            .map_err(|e| LoadError(format!("not a service model: {e}")))?;
        check_references(&raw.shapes)?;
        let (patterns, unchecked_patterns) = compile_patterns(&raw.shapes);
        Ok(Model {
            service_id: raw.metadata.service_id,
            api_version: raw.metadata.api_version,
            shapes: raw.shapes,
            patterns,
            unchecked_patterns,
        })
    }
}

/// Every shape a shape names exists, and every required member is a member: the validator
/// indexes shapes and members without looking twice.
fn check_references(shapes: &HashMap<String, Shape>) -> Result<(), LoadError> {
    for (name, shape) in shapes {
        let refs: Vec<&str> = match shape {
            Shape::Structure { members, required } => {
                if let Some(missing) = required.iter().find(|r| !members.contains_key(*r)) {
                    return Err(LoadError(format!(
                        "structure {name} requires {missing}, which is not one of its members"
                    )));
                }
                members.values().map(|m| m.shape.as_str()).collect()
            }
            Shape::List { member, .. } => vec![member.shape.as_str()],
            Shape::Map { key, value, .. } => vec![key.shape.as_str(), value.shape.as_str()],
            _ => vec![],
        };
        if let Some(dangling) = refs.iter().find(|r| !shapes.contains_key(**r)) {
            return Err(LoadError(format!(
                "shape {name} refers to {dangling}, which the model does not define"
            )));
        }
    }
    Ok(())
}

/// The string shapes' patterns compiled by shape name, and (sorted) the shapes whose pattern
/// the regex engine does not accept, which are then not enforced.
fn compile_patterns(
    shapes: &HashMap<String, Shape>,
) -> (HashMap<String, regex_lite::Regex>, Vec<String>) {
    let mut patterns = HashMap::new();
    let mut unchecked = Vec::new();
    for (name, shape) in shapes {
        if let Shape::String {
            pattern: Some(p), ..
        } = shape
        {
            match regex_lite::Regex::new(p) {
                Ok(re) => {
                    patterns.insert(name.clone(), re);
                }
                Err(_) => unchecked.push(name.clone()),
            }
        }
    }
    unchecked.sort();
    (patterns, unchecked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn broken_models_are_errors() {
        let dangling = json!({"metadata": {"serviceId": "X", "apiVersion": "1"},
            "shapes": {"A": {"type": "list", "member": {"shape": "B"}}}});
        let e = Model::from_json(dangling.to_string().as_bytes()).unwrap_err();
        assert!(e.0.contains("refers to B"), "{e}");
        let bad_required = json!({"metadata": {"serviceId": "X", "apiVersion": "1"},
            "shapes": {"A": {"type": "structure", "members": {}, "required": ["C"]}}});
        assert!(Model::from_json(bad_required.to_string().as_bytes()).is_err());
        assert!(Model::from_json(b"{}").is_err());
    }
}

//! The model's own types, as botocore's `service-2.json` spells them: shapes by name, each a
//! structure, string, number, list, map, ... with the constraints the validator enforces.
//! Only what the validator and the renamer read is deserialized; documentation, operations and
//! errors are skipped.

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// The whole file, as far as it is read.
#[derive(Debug, Deserialize)]
pub(crate) struct RawModel {
    pub(crate) metadata: Metadata,
    pub(crate) shapes: HashMap<String, Shape>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Metadata {
    #[serde(rename = "serviceId")]
    pub(crate) service_id: String,
    #[serde(rename = "apiVersion")]
    pub(crate) api_version: String,
}

/// A list's member, a map's key or value: the shape by name.
#[derive(Debug, Deserialize)]
pub(crate) struct ShapeRef {
    pub(crate) shape: String,
}

/// A structure's member; its name is the key it sits under in `members`.
#[derive(Debug, Deserialize)]
pub(crate) struct Member {
    pub(crate) shape: String,
    #[serde(rename = "locationName")]
    pub(crate) location_name: Option<String>,
    /// `uri`, `header`, `querystring`, ...: the member is not in the JSON body.
    pub(crate) location: Option<String>,
}

/// A number shape's `min` and `max`, each inclusive when present.
#[derive(Debug, Deserialize)]
pub(crate) struct Bounds<T> {
    pub(crate) min: Option<T>,
    pub(crate) max: Option<T>,
}

/// One named shape, by botocore's `type`.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub(crate) enum Shape {
    Structure {
        #[serde(default)]
        members: BTreeMap<String, Member>,
        #[serde(default)]
        required: Vec<String>,
    },
    String {
        #[serde(rename = "enum")]
        values: Option<Vec<String>>,
        min: Option<u64>,
        max: Option<u64>,
        pattern: Option<String>,
    },
    Integer(Bounds<i64>),
    Long(Bounds<i64>),
    Double(Bounds<f64>),
    Float(Bounds<f64>),
    Boolean {},
    Timestamp {
        #[serde(rename = "timestampFormat")]
        format: Option<String>,
    },
    Blob {},
    List {
        member: ShapeRef,
        min: Option<u64>,
        max: Option<u64>,
    },
    Map {
        key: ShapeRef,
        value: ShapeRef,
        min: Option<u64>,
        max: Option<u64>,
    },
}

//! The two spellings of member names ([`Naming`]) and [`Model::rename`], which respells a
//! value from one to the other.

use crate::model::Model;
use crate::shape::{Member, Shape};
use serde_json::Value;

/// Which spelling of member names a value uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Naming {
    /// The model's member names (PascalCase): console exports, CloudFormation `SettingsJson`.
    MemberNames,
    /// The members' `locationName`s (camelCase): the REST-JSON request body. Members sent in
    /// the URI, a header or the query string are not part of the body.
    WireNames,
}

impl Member {
    /// The key this member is spelled as in `naming`, `name` being its member name; `None` for
    /// a member that travels outside the JSON body (in the URI, a header or the query).
    pub(crate) fn key<'a>(&'a self, name: &'a str, naming: Naming) -> Option<&'a str> {
        match naming {
            Naming::MemberNames => Some(name),
            Naming::WireNames if self.location.is_some() => None,
            Naming::WireNames => Some(self.location_name.as_deref().unwrap_or(name)),
        }
    }
}

impl Model {
    /// `value` (of shape `shape`) with every structure member's key respelled from one naming
    /// to the other: CloudFormation's `SettingsJson` (member names) and the REST-JSON body
    /// (wire names) carry the same settings. Map keys (an audio selector's name) and keys the
    /// shape does not know are kept as they are, so validating the result still reports them.
    pub fn rename(&self, shape: &str, value: &Value, from: Naming, to: Naming) -> Value {
        match (self.shapes.get(shape), value) {
            (Some(Shape::Structure { members, .. }), Value::Object(object)) => object
                .iter()
                .map(|(key, v)| {
                    let found = members
                        .iter()
                        .find(|(member, m)| m.key(member, from) == Some(key.as_str()));
                    match found {
                        Some((member, m)) => (
                            m.key(member, to).unwrap_or(key).to_string(),
                            self.rename(&m.shape, v, from, to),
                        ),
                        None => (key.clone(), v.clone()),
                    }
                })
                .collect::<serde_json::Map<_, _>>()
                .into(),
            (Some(Shape::List { member, .. }), Value::Array(items)) => items
                .iter()
                .map(|item| self.rename(&member.shape, item, from, to))
                .collect(),
            (Some(Shape::Map { value: v_shape, .. }), Value::Object(entries)) => entries
                .iter()
                .map(|(k, v)| (k.clone(), self.rename(&v_shape.shape, v, from, to)))
                .collect::<serde_json::Map<_, _>>()
                .into(),
            _ => value.clone(),
        }
    }
}

//! The validator: [`Model::validate`] walks a JSON value beside the shape it should have and
//! reports every violation (not only the first), each at its JSON path, with the closest
//! valid name or value where one is near enough to be a misspelling.

use crate::model::Model;
use crate::naming::Naming;
use crate::shape::{Bounds, Member, Shape};
use crate::violation::{Invalid, Problem, Violation};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

impl Model {
    /// Checks `value` against the shape named `shape`, reporting every violation found (not
    /// only the first), each with the JSON path where it is.
    ///
    /// # Errors
    /// The violations, in document order; an unknown `shape` is one violation at the root.
    pub fn validate(&self, shape: &str, value: &Value, naming: Naming) -> Result<(), Invalid> {
        let mut walk = Walk {
            model: self,
            naming,
            path: Vec::new(),
            found: Vec::new(),
        };
        if self.shapes.contains_key(shape) {
            walk.check(shape, value);
        } else {
            walk.report(shape, Problem::UnknownShape);
        }
        if walk.found.is_empty() {
            Ok(())
        } else {
            Err(Invalid(walk.found))
        }
    }
}

enum Segment<'v> {
    Member(&'v str),
    Index(usize),
    Key(&'v str),
}

/// The model and the value share one lifetime: the path borrows names from both.
struct Walk<'v> {
    model: &'v Model,
    naming: Naming,
    path: Vec<Segment<'v>>,
    found: Vec<Violation>,
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number with a fraction",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn is_identifier(key: &str) -> bool {
    !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl<'v> Walk<'v> {
    fn path_text(&self) -> String {
        let mut out = String::new();
        for segment in &self.path {
            match segment {
                Segment::Member(name) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(name);
                }
                Segment::Index(i) => out.push_str(&format!("[{i}]")),
                Segment::Key(key) if is_identifier(key) => {
                    out.push('.');
                    out.push_str(key);
                }
                Segment::Key(key) => out.push_str(&format!("[{}]", Value::from(*key))),
            }
        }
        out
    }

    fn report(&mut self, shape: &str, problem: Problem) {
        self.found.push(Violation {
            path: self.path_text(),
            shape: shape.to_string(),
            problem,
        });
    }

    fn wrong_type(&mut self, shape: &str, expected: &'static str, value: &Value) {
        let found = json_type(value);
        self.report(shape, Problem::WrongType { expected, found });
    }

    fn check(&mut self, name: &str, value: &'v Value) {
        let model = self.model;
        let shape = &model.shapes[name];
        match shape {
            Shape::Structure { members, required } => {
                let Value::Object(object) = value else {
                    return self.wrong_type(name, "an object", value);
                };
                self.check_structure(name, members, required, object);
            }
            Shape::String { .. } => match value {
                Value::String(text) => self.check_string(name, text),
                _ => self.wrong_type(name, "a string", value),
            },
            Shape::Integer(bounds) | Shape::Long(bounds) => match value.as_i64() {
                Some(n) => self.bounded(name, value, n, bounds),
                // An integer beyond i64 is still an integer, just out of any range here.
                None if value.is_u64() => self.out_of_range(name, value, bounds),
                None => self.wrong_type(name, "an integer", value),
            },
            Shape::Double(bounds) | Shape::Float(bounds) => match value.as_f64() {
                Some(n) => self.bounded(name, value, n, bounds),
                None => self.wrong_type(name, "a number", value),
            },
            Shape::Boolean {} => {
                if !value.is_boolean() {
                    self.wrong_type(name, "a boolean", value);
                }
            }
            Shape::Timestamp { format } => {
                let ok = match format.as_deref() {
                    Some("iso8601") | Some("rfc822") => value.is_string(),
                    Some("unixTimestamp") => value.is_number(),
                    _ => value.is_string() || value.is_number(),
                };
                if !ok {
                    self.wrong_type(name, "a timestamp", value);
                }
            }
            Shape::Blob {} => {
                if !value.is_string() {
                    self.wrong_type(name, "a base64 string", value);
                }
            }
            Shape::List { member, min, max } => {
                let Value::Array(items) = value else {
                    return self.wrong_type(name, "an array", value);
                };
                self.length(name, "items", items.len(), *min, *max);
                for (i, item) in items.iter().enumerate() {
                    self.path.push(Segment::Index(i));
                    self.check(&member.shape, item);
                    self.path.pop();
                }
            }
            Shape::Map {
                key,
                value: value_shape,
                min,
                max,
            } => {
                let Value::Object(entries) = value else {
                    return self.wrong_type(name, "an object", value);
                };
                self.length(name, "entries", entries.len(), *min, *max);
                for (k, v) in entries {
                    self.path.push(Segment::Key(k));
                    // The key is checked as a string value of the key shape (its enum, length,
                    // pattern), at the entry's path.
                    self.check_string(&key.shape, k);
                    self.check(&value_shape.shape, v);
                    self.path.pop();
                }
            }
        }
    }

    /// An object against a structure's members: each key must be a member (in this naming),
    /// each member's value its shape, and every required member present.
    fn check_structure(
        &mut self,
        name: &str,
        members: &'v BTreeMap<String, Member>,
        required: &'v [String],
        object: &'v serde_json::Map<String, Value>,
    ) {
        let naming = self.naming;
        let keys: Vec<(&'v str, &'v str)> = members
            .iter()
            .filter_map(|(member, m)| m.key(member, naming).map(|k| (k, m.shape.as_str())))
            .collect();
        for (key, member_value) in object {
            self.path.push(Segment::Member(key));
            match keys.iter().find(|(k, _)| k == key) {
                Some((_, member_shape)) => self.check(member_shape, member_value),
                None => {
                    let suggestion = closest(key, keys.iter().map(|(k, _)| *k));
                    self.report(
                        name,
                        Problem::UnknownMember {
                            member: key.clone(),
                            suggestion,
                        },
                    );
                }
            }
            self.path.pop();
        }
        for member in required {
            let Some(key) = members[member].key(member, naming) else {
                continue;
            };
            if !object.contains_key(key) {
                self.path.push(Segment::Member(key));
                self.report(
                    name,
                    Problem::MissingRequired {
                        member: key.to_string(),
                    },
                );
                self.path.pop();
            }
        }
    }

    /// A string against a string shape (a map's key shape included); any other shape
    /// accepts nothing but is never a map key in this model.
    fn check_string(&mut self, name: &str, text: &str) {
        let model = self.model;
        let Shape::String {
            values,
            min,
            max,
            pattern,
        } = &model.shapes[name]
        else {
            return self.report(
                name,
                Problem::WrongType {
                    expected: "a non-string value",
                    found: "a string",
                },
            );
        };
        if let Some(values) = values
            && !values.iter().any(|v| v == text)
        {
            let suggestion = closest(text, values.iter().map(String::as_str));
            return self.report(
                name,
                Problem::NotInEnum {
                    value: text.to_string(),
                    suggestion,
                    allowed: values.clone(),
                },
            );
        }
        self.length(name, "characters", text.chars().count(), *min, *max);
        if let (Some(pattern), Some(re)) = (pattern, model.patterns.get(name))
            && !re.is_match(text)
        {
            self.report(
                name,
                Problem::NoPatternMatch {
                    pattern: pattern.clone(),
                },
            );
        }
    }

    fn bounded<T: PartialOrd + Copy + fmt::Display>(
        &mut self,
        name: &str,
        value: &Value,
        n: T,
        bounds: &Bounds<T>,
    ) {
        if bounds.min.is_some_and(|m| n < m) || bounds.max.is_some_and(|m| n > m) {
            self.out_of_range(name, value, bounds);
        }
    }

    fn out_of_range<T: fmt::Display>(&mut self, name: &str, value: &Value, bounds: &Bounds<T>) {
        self.report(
            name,
            Problem::OutOfRange {
                value: value.to_string(),
                min: bounds.min.as_ref().map(T::to_string),
                max: bounds.max.as_ref().map(T::to_string),
            },
        );
    }

    fn length(
        &mut self,
        name: &str,
        unit: &'static str,
        n: usize,
        min: Option<u64>,
        max: Option<u64>,
    ) {
        let n64 = n as u64;
        if min.is_some_and(|m| n64 < m) || max.is_some_and(|m| n64 > m) {
            self.report(
                name,
                Problem::BadLength {
                    unit,
                    length: n,
                    min,
                    max,
                },
            );
        }
    }
}

/// The candidate closest to `wanted`: one equal but for case (a PascalCase name in wire mode
/// or the reverse), else the nearest by edit distance when close enough to be a misspelling.
fn closest<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str> + Clone) -> Option<String> {
    let lower = wanted.to_ascii_lowercase();
    if let Some(same) = candidates.clone().find(|c| c.eq_ignore_ascii_case(wanted)) {
        return Some(same.to_string());
    }
    let limit = (wanted.chars().count() / 3).max(2);
    candidates
        .map(|c| (strsim::levenshtein(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A small model in botocore's format: a structure with a required member, an enum, an
    /// integer range, string and list lengths, a pattern, a map, a nested structure and a
    /// member sent in the URI (not in the body).
    fn model() -> Model {
        let text = json!({
            "metadata": {"serviceId": "Mini", "apiVersion": "2017-08-29"},
            "shapes": {
                "Request": {"type": "structure", "required": ["Name", "Settings"], "members": {
                    "Name": {"shape": "NameString", "locationName": "name"},
                    "Id": {"shape": "NameString", "locationName": "id", "location": "uri"},
                    "Settings": {"shape": "Settings", "locationName": "settings"},
                    "Tags": {"shape": "TagMap", "locationName": "tags"}
                }},
                "Settings": {"type": "structure", "members": {
                    "Codec": {"shape": "Codec", "locationName": "codec"},
                    "Bitrate": {"shape": "Bitrate", "locationName": "bitrate"},
                    "Gain": {"shape": "Gain", "locationName": "gain"},
                    "Enabled": {"shape": "Flag", "locationName": "enabled"},
                    "Key": {"shape": "HexKey", "locationName": "key"},
                    "Outputs": {"shape": "Outputs", "locationName": "outputs"}
                }},
                "Outputs": {"type": "list", "member": {"shape": "Settings"}, "min": 1, "max": 2},
                "TagMap": {"type": "map", "key": {"shape": "NameString"}, "value": {"shape": "NameString"}},
                "NameString": {"type": "string", "min": 1, "max": 8},
                "HexKey": {"type": "string", "pattern": "^[0-9a-f]{4}$"},
                "Codec": {"type": "string", "enum": ["H_264", "H_265", "AV1"]},
                "Bitrate": {"type": "integer", "min": 1000, "max": 8000},
                "Gain": {"type": "double", "min": -1.5, "max": 1.5},
                "Flag": {"type": "boolean"}
            }
        })
        .to_string();
        Model::from_json(text.as_bytes()).expect("the mini model loads")
    }

    fn violations(value: Value, naming: Naming) -> Vec<Violation> {
        match model().validate("Request", &value, naming) {
            Ok(()) => Vec::new(),
            Err(Invalid(v)) => v,
        }
    }

    fn only(value: Value, naming: Naming) -> Violation {
        let mut found = violations(value, naming);
        assert_eq!(found.len(), 1, "expected one violation, found {found:?}");
        found.remove(0)
    }

    fn valid_member_names() -> Value {
        json!({"Name": "a", "Settings": {"Codec": "H_264", "Bitrate": 5000, "Gain": -0.5,
               "Enabled": true, "Key": "0a1b", "Outputs": [{"Codec": "AV1"}]},
               "Tags": {"team": "video"}})
    }

    fn valid_wire_names() -> Value {
        json!({"name": "a", "settings": {"codec": "H_264", "bitrate": 5000, "gain": -0.5,
               "enabled": true, "key": "0a1b", "outputs": [{"codec": "AV1"}]},
               "tags": {"team": "video"}})
    }

    #[test]
    fn valid_values_pass_in_their_naming_mode_only() {
        let m = model();
        assert_eq!(
            m.validate("Request", &valid_member_names(), Naming::MemberNames),
            Ok(())
        );
        assert_eq!(
            m.validate("Request", &valid_wire_names(), Naming::WireNames),
            Ok(())
        );
        // The other mode's spelling is unknown, with the right spelling suggested.
        let found = violations(valid_member_names(), Naming::WireNames);
        assert!(found.iter().any(|v| v.problem
            == Problem::UnknownMember {
                member: "Settings".into(),
                suggestion: Some("settings".into())
            }));
        assert!(
            violations(valid_wire_names(), Naming::MemberNames)
                .iter()
                .any(|v| v.path == "name" && matches!(v.problem, Problem::UnknownMember { .. }))
        );
    }

    #[test]
    fn unknown_member_names_path_and_suggests_the_closest() {
        let mut value = valid_member_names();
        value["Settings"]["Outputs"][0]["Codek"] = json!("AV1");
        let v = only(value, Naming::MemberNames);
        assert_eq!(v.path, "Settings.Outputs[0].Codek");
        assert_eq!(
            v.problem,
            Problem::UnknownMember {
                member: "Codek".into(),
                suggestion: Some("Codec".into())
            }
        );
        assert!(v.to_string().contains("did you mean \"Codec\""), "{v}");

        let mut value = valid_wire_names();
        value["settings"]["zzzzzz"] = json!(1);
        let v = only(value, Naming::WireNames);
        assert_eq!(v.path, "settings.zzzzzz");
        assert_eq!(
            v.problem,
            Problem::UnknownMember {
                member: "zzzzzz".into(),
                suggestion: None
            }
        );
    }

    #[test]
    fn missing_required_member_in_both_modes() {
        let mut value = valid_member_names();
        value.as_object_mut().unwrap().remove("Settings");
        let v = only(value, Naming::MemberNames);
        assert_eq!(
            (v.path.as_str(), &v.problem),
            (
                "Settings",
                &Problem::MissingRequired {
                    member: "Settings".into()
                }
            )
        );

        let mut value = valid_wire_names();
        value.as_object_mut().unwrap().remove("name");
        let v = only(value, Naming::WireNames);
        assert_eq!(
            (v.path.as_str(), &v.problem),
            (
                "name",
                &Problem::MissingRequired {
                    member: "name".into()
                }
            )
        );
    }

    #[test]
    fn uri_members_are_not_body_members() {
        let mut value = valid_wire_names();
        value["id"] = json!("x");
        let v = only(value, Naming::WireNames);
        assert!(matches!(v.problem, Problem::UnknownMember { ref member, .. } if member == "id"));
        // In member-name mode the model's member is a member like any other.
        let mut value = valid_member_names();
        value["Id"] = json!("x");
        assert_eq!(violations(value, Naming::MemberNames), vec![]);
    }

    #[test]
    fn a_misspelled_enum_fails_with_a_suggestion() {
        for (naming, mut value, settings) in [
            (Naming::MemberNames, valid_member_names(), "Settings"),
            (Naming::WireNames, valid_wire_names(), "settings"),
        ] {
            let codec = if naming == Naming::WireNames {
                "codec"
            } else {
                "Codec"
            };
            value[settings][codec] = json!("H_246");
            let v = only(value, naming);
            assert_eq!(v.path, format!("{settings}.{codec}"));
            assert_eq!(v.shape, "Codec");
            assert!(
                matches!(&v.problem, Problem::NotInEnum { value, suggestion: Some(s), .. }
                    if value == "H_246" && s == "H_264"),
                "{v:?}"
            );
            assert!(v.to_string().contains("allowed: H_264, H_265, AV1"), "{v}");
        }
    }

    #[test]
    fn numbers_out_of_range_fail() {
        let mut value = valid_wire_names();
        value["settings"]["bitrate"] = json!(999);
        value["settings"]["gain"] = json!(2.5);
        value["settings"]["outputs"][0]["bitrate"] = json!(8001);
        let mut found = violations(value, Naming::WireNames);
        found.sort_by(|a, b| a.path.cmp(&b.path));
        let paths: Vec<&str> = found.iter().map(|v| v.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "settings.bitrate",
                "settings.gain",
                "settings.outputs[0].bitrate"
            ]
        );
        assert!(
            found
                .iter()
                .all(|v| matches!(v.problem, Problem::OutOfRange { .. }))
        );
        assert_eq!(
            found[0].to_string(),
            "settings.bitrate: 999 is outside Bitrate's range [1000, 8000]"
        );
        // The bounds themselves are inside.
        let mut value = valid_wire_names();
        value["settings"]["bitrate"] = json!(8000);
        value["settings"]["gain"] = json!(-1.5);
        assert_eq!(violations(value, Naming::WireNames), vec![]);
    }

    #[test]
    fn lengths_and_patterns_fail_without_echoing_the_string() {
        let mut value = valid_member_names();
        value["Name"] = json!("secret-name");
        value["Settings"]["Key"] = json!("SECRETKEY");
        value["Settings"]["Outputs"] = json!([]);
        let mut found = violations(value, Naming::MemberNames);
        found.sort_by(|a, b| a.path.cmp(&b.path));
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[0].path, "Name");
        assert!(matches!(
            found[0].problem,
            Problem::BadLength {
                length: 11,
                max: Some(8),
                ..
            }
        ));
        assert_eq!(found[1].path, "Settings.Key");
        assert!(matches!(found[1].problem, Problem::NoPatternMatch { .. }));
        assert_eq!(found[2].path, "Settings.Outputs");
        assert!(matches!(
            found[2].problem,
            Problem::BadLength {
                length: 0,
                min: Some(1),
                ..
            }
        ));
        let text = Invalid(found).to_string();
        assert!(
            !text.contains("SECRET") && !text.contains("secret"),
            "{text}"
        );
    }

    #[test]
    fn wrong_json_types_fail() {
        let mut value = valid_wire_names();
        value["settings"]["bitrate"] = json!("5000");
        value["settings"]["enabled"] = json!("true");
        value["settings"]["codec"] = json!(264);
        value["settings"]["outputs"] = json!({"codec": "AV1"});
        value["settings"]["gain"] = json!(null);
        value["tags"] = json!(["video"]);
        let found = violations(value, Naming::WireNames);
        let mut got: Vec<(&str, &Problem)> = found
            .iter()
            .map(|v| (v.path.as_str(), &v.problem))
            .collect();
        // Members come in the object's order, which depends on serde_json's features.
        got.sort_by_key(|(path, _)| *path);
        let wrong = |expected, found| Problem::WrongType { expected, found };
        assert_eq!(
            got,
            [
                ("settings.bitrate", &wrong("an integer", "a string")),
                ("settings.codec", &wrong("a string", "an integer")),
                ("settings.enabled", &wrong("a boolean", "a string")),
                ("settings.gain", &wrong("a number", "null")),
                ("settings.outputs", &wrong("an array", "an object")),
                ("tags", &wrong("an object", "an array")),
            ]
        );
        // An integer member does not take a fraction.
        let mut value = valid_wire_names();
        value["settings"]["bitrate"] = json!(5000.5);
        assert!(matches!(
            only(value, Naming::WireNames).problem,
            Problem::WrongType {
                expected: "an integer",
                found: "a number with a fraction"
            }
        ));
        // The whole value must be an object.
        let v = only(json!([]), Naming::WireNames);
        assert_eq!(
            v.to_string(),
            "(the value): Request expects an object, found an array"
        );
    }

    #[test]
    fn map_keys_are_checked_against_the_key_shape_at_a_quoted_path() {
        let mut value = valid_wire_names();
        value["tags"] = json!({"a key with spaces": "v", "ok": "far too long"});
        let mut paths: Vec<String> = violations(value, Naming::WireNames)
            .into_iter()
            .map(|v| v.path)
            .collect();
        paths.sort();
        assert_eq!(paths, ["tags.ok", r#"tags["a key with spaces"]"#]);
    }

    #[test]
    fn an_unknown_shape_is_one_violation_at_the_root() {
        let err = model()
            .validate("Nope", &json!({}), Naming::WireNames)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "(the value): the model has no shape named Nope"
        );
    }
}

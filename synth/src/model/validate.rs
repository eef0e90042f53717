//! The check that runs before any template is printed: every `Ref`, `Fn::GetAtt`, `Fn::Sub`
//! variable, `Fn::If` condition, `Condition` of a resource or output and `DependsOn` names
//! something that exists,
//! nothing that may exist references a resource that may not (outside an `Fn::If` on that
//! resource's condition), no id is used twice, no reserved resource is left empty, and
//! resources do not depend on each other in a cycle (CloudFormation would reject the stack at
//! deploy time, far later).

use super::Template;
use super::expr::Pseudo;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Every problem found, one line each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub Vec<String>);

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid template: {}", self.0.join("; "))
    }
}

impl std::error::Error for Invalid {}

struct Names<'a> {
    parameters: BTreeSet<&'a str>,
    conditions: BTreeSet<&'a str>,
    resources: BTreeSet<&'a str>,
}

/// A reference found in a value, with what kind of name it must be.
enum Reference {
    /// `Ref` or a plain `${X}`: a parameter, a resource or a pseudo parameter.
    Value(String),
    /// `Fn::GetAtt` or `${X.Attr}`: a resource.
    Resource(String),
    /// `Fn::If`'s first argument or a `Condition` key: a condition.
    Condition(String),
}

pub(super) fn check(template: &Template, duplicates: &[String]) -> Result<(), Invalid> {
    let mut problems: Vec<String> = duplicates
        .iter()
        .map(|id| format!("logical id `{id}` is used twice"))
        .collect();
    let names = Names {
        parameters: template
            .parameters
            .iter()
            .map(|(k, _)| k.as_str())
            .collect(),
        conditions: template
            .conditions
            .iter()
            .map(|(k, _)| k.as_str())
            .collect(),
        resources: template.resources.iter().map(|(k, _)| k.as_str()).collect(),
    };
    let mut edges: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    // CloudFormation refuses a deploy where a resource that may exist references one that
    // may not, so each conditional resource is referenced only under its own condition.
    let conditional: BTreeMap<&str, &str> = (template.resources.iter())
        .filter_map(|(id, r)| {
            let condition = r.as_ref()?.condition.as_ref()?;
            Some((id.as_str(), condition.as_str()))
        })
        .collect();

    for (id, resource) in &template.resources {
        let Some(resource) = resource else {
            problems.push(format!("resource `{id}` was reserved but never filled in"));
            continue;
        };
        let value = serde_json::to_value(resource).expect("resources serialize");
        let mut found = Vec::new();
        collect(&value["Properties"], None, &mut found);
        if let Some(depends) = value.get("DependsOn").and_then(Value::as_array) {
            found.extend(
                depends
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|d| (Reference::Resource(d.to_owned()), None)),
            );
        }
        let own = resource.condition.as_ref().map(|c| c.as_str().to_owned());
        if let Some(condition) = &own {
            found.push((Reference::Condition(condition.clone()), None));
        }
        let targets = edges.entry(id.as_str()).or_default();
        for (reference, guard) in found {
            if let Some(problem) = resolve(&names, &reference) {
                problems.push(format!("resource `{id}`: {problem}"));
            } else if let Reference::Value(n) | Reference::Resource(n) = reference
                && names.resources.contains(n.as_str())
            {
                let held = guard.as_ref().or(own.as_ref());
                if let Some(needed) = conditional.get(n.as_str())
                    && held.map(String::as_str) != Some(*needed)
                {
                    problems.push(format!(
                        "resource `{id}` references `{n}`, which exists only under condition \
                         `{needed}`: give `{id}` that condition or wrap the reference in \
                         Fn::If `{needed}`"
                    ));
                }
                targets.insert(n);
            }
        }
    }
    // Conditions and rules are always evaluated; an output with a `Condition` only under it.
    let others = template
        .conditions
        .iter()
        .map(|(id, c)| (format!("condition `{id}`"), serde_json::to_value(c), None))
        .chain(
            template
                .rules
                .iter()
                .map(|(id, r)| (format!("rule `{id}`"), serde_json::to_value(r), None)),
        )
        .chain(template.outputs.iter().map(|(id, o)| {
            let own = o.condition.as_ref().map(|c| c.to_string());
            (format!("output `{id}`"), serde_json::to_value(o), own)
        }));
    for (id, output) in &template.outputs {
        if let Some(condition) = &output.condition
            && let Some(problem) = resolve(&names, &Reference::Condition(condition.to_string()))
        {
            problems.push(format!("output `{id}`: {problem}"));
        }
    }
    for (place, value, own) in others {
        let mut found = Vec::new();
        collect(&value.expect("values serialize"), None, &mut found);
        for (reference, guard) in found {
            if let Some(problem) = resolve(&names, &reference) {
                problems.push(format!("{place}: {problem}"));
            } else if let Reference::Value(n) | Reference::Resource(n) = &reference
                && let Some(needed) = conditional.get(n.as_str())
                && guard.as_ref().or(own.as_ref()).map(String::as_str) != Some(*needed)
            {
                problems.push(format!(
                    "{place} references `{n}`, which exists only under condition `{needed}`"
                ));
            }
        }
    }
    if let Some(cycle) = find_cycle(&edges) {
        problems.push(format!("dependency cycle: {}", cycle.join(" -> ")));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Invalid(problems))
    }
}

fn resolve(names: &Names<'_>, reference: &Reference) -> Option<String> {
    match reference {
        Reference::Value(n) => {
            let known = names.parameters.contains(n.as_str())
                || names.resources.contains(n.as_str())
                || Pseudo::is_pseudo(n);
            (!known).then(|| format!("reference to unknown parameter or resource `{n}`"))
        }
        Reference::Resource(n) => (!names.resources.contains(n.as_str()))
            .then(|| format!("reference to unknown resource `{n}`")),
        Reference::Condition(n) => (!names.conditions.contains(n.as_str()))
            .then(|| format!("reference to unknown condition `{n}`")),
    }
}

/// A reference and the condition of the `Fn::If` whose true branch holds it, if any: such a
/// reference is only evaluated when that condition holds.
type Found = (Reference, Option<String>);

fn collect(value: &Value, guard: Option<&str>, found: &mut Vec<Found>) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| collect(v, guard, found)),
        Value::Object(map) => {
            if map.len() == 1 {
                let (key, arg) = map.iter().next().expect("one entry");
                if intrinsic(key, arg, guard, found) {
                    return;
                }
            }
            map.values().for_each(|v| collect(v, guard, found));
        }
        _ => {}
    }
}

/// Records the references of one intrinsic; false when `key` is not one with names.
fn intrinsic(key: &str, arg: &Value, guard: Option<&str>, found: &mut Vec<Found>) -> bool {
    let at = |r: Reference| (r, guard.map(str::to_owned));
    match (key, arg) {
        ("Ref", Value::String(name)) => found.push(at(Reference::Value(name.clone()))),
        ("Fn::GetAtt", Value::Array(parts)) => {
            if let Some(name) = parts.first().and_then(Value::as_str) {
                found.push(at(Reference::Resource(name.to_owned())));
            }
            parts.iter().skip(1).for_each(|v| collect(v, guard, found));
        }
        ("Fn::Sub", Value::String(text)) => sub_names(text, &BTreeSet::new(), guard, found),
        ("Fn::Sub", Value::Array(parts)) => {
            let vars = parts.get(1).and_then(Value::as_object);
            let local: BTreeSet<&str> = vars
                .map(|m| m.keys().map(String::as_str).collect())
                .unwrap_or_default();
            if let Some(text) = parts.first().and_then(Value::as_str) {
                sub_names(text, &local, guard, found);
            }
            if let Some(vars) = vars {
                vars.values().for_each(|v| collect(v, guard, found));
            }
        }
        ("Fn::If", Value::Array(parts)) => {
            let condition = parts.first().and_then(Value::as_str);
            if let Some(name) = condition {
                found.push(at(Reference::Condition(name.to_owned())));
            }
            if let Some(then) = parts.get(1) {
                collect(then, condition.or(guard), found);
            }
            parts.iter().skip(2).for_each(|v| collect(v, guard, found));
        }
        ("Condition", Value::String(name)) => found.push(at(Reference::Condition(name.clone()))),
        _ => return false,
    }
    true
}

/// The `${Name}` and `${Resource.Attribute}` variables of a `Fn::Sub` string; `${!x}` is a
/// literal.
fn sub_names(text: &str, local: &BTreeSet<&str>, guard: Option<&str>, found: &mut Vec<Found>) {
    let guard = guard.map(str::to_owned);
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        rest = &after[end + 1..];
        if name.starts_with('!') || local.contains(name) {
            continue;
        }
        match name.split_once('.') {
            Some((resource, _)) => {
                found.push((Reference::Resource(resource.to_owned()), guard.clone()));
            }
            None => found.push((Reference::Value(name.to_owned()), guard.clone())),
        }
    }
}

/// A cycle in the resource graph, as the ids along it, if there is one.
fn find_cycle(edges: &BTreeMap<&str, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &str,
        edges: &BTreeMap<&str, BTreeSet<String>>,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let from = path.iter().position(|n| n == node).unwrap_or(0);
                let mut cycle = path[from..].to_vec();
                cycle.push(node.to_owned());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(node.to_owned(), Mark::Open);
        path.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, marks, path) {
                return Some(cycle);
            }
        }
        path.pop();
        marks.insert(node.to_owned(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    edges
        .keys()
        .find_map(|node| visit(node, edges, &mut marks, &mut Vec::new()))
}

//! How a job's settings combine with its job template's (both in wire names).
//!
//! MediaConvert documents that settings given in the job override the template's. The rule
//! implemented here, applied recursively:
//! - objects: every member the job sets replaces or merges into the template's member of the
//!   same name; members only the template sets stay;
//! - arrays (`inputs`, `outputGroups`, `outputs`, `audioDescriptions`, ...): merged by
//!   position, element by element; elements beyond the template's are appended, the
//!   template's elements beyond the job's stay;
//! - scalars: the job's value wins.
//!
//! Except `inputs`: how the service combines a job's inputs with its template's is not
//! documented, so a job that gives inputs runs exactly those (AWS's own Video on Demand
//! solution always sends its whole input for that reason). A job relying on the template for
//! its audio selectors loses them here, as it may on AWS, instead of silently getting them.
//!
//! So a job that sets its whole `inputs[0]` and `outputGroups[0].outputGroupSettings.
//! hlsGroupSettings.{destination,encryption}` gets the template's whole ladder with its own
//! input, destination and key.

use serde_json::Value;

/// `job`'s settings merged over `template`'s.
pub fn merge(template: &Value, job: &Value) -> Value {
    let mut merged = merge_values(template, job);
    if let Some(inputs) = job.get("inputs") {
        merged["inputs"] = inputs.clone();
    }
    merged
}

fn merge_values(template: &Value, job: &Value) -> Value {
    match (template, job) {
        (Value::Object(base), Value::Object(over)) => {
            let mut out = base.clone();
            for (key, value) in over {
                let merged = match base.get(key) {
                    Some(old) => merge_values(old, value),
                    None => value.clone(),
                };
                out.insert(key.clone(), merged);
            }
            Value::Object(out)
        }
        (Value::Array(base), Value::Array(over)) => {
            let len = base.len().max(over.len());
            (0..len)
                .map(|i| match (base.get(i), over.get(i)) {
                    (Some(b), Some(o)) => merge_values(b, o),
                    (Some(b), None) => b.clone(),
                    (None, Some(o)) => o.clone(),
                    (None, None) => unreachable!("i is below both lengths' maximum"),
                })
                .collect()
        }
        (_, over) => over.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_job_sets_members_and_the_template_keeps_the_rest_position_by_position_but_inputs_are_the_jobs()
     {
        let template = json!({
            "inputs": [{"timecodeSource": "ZEROBASED", "videoSelector": {}}],
            "outputGroups": [{
                "name": "HLS",
                "outputGroupSettings": {"type": "HLS_GROUP_SETTINGS", "hlsGroupSettings": {"segmentLength": 6}},
                "outputs": [{"nameModifier": "_1080p"}, {"nameModifier": "_720p"}]
            }]
        });
        let job = json!({
            "inputs": [{"fileInput": "s3://in/a.mp4"}],
            "outputGroups": [{
                "outputGroupSettings": {"hlsGroupSettings": {"destination": "s3://out/p/", "segmentLength": 4}},
                "outputs": [{"nameModifier": "_hd"}]
            }]
        });
        assert_eq!(
            merge(&template, &job),
            json!({
                "inputs": [{"fileInput": "s3://in/a.mp4"}],
                "outputGroups": [{
                    "name": "HLS",
                    "outputGroupSettings": {"type": "HLS_GROUP_SETTINGS", "hlsGroupSettings": {"segmentLength": 4, "destination": "s3://out/p/"}},
                    "outputs": [{"nameModifier": "_hd"}, {"nameModifier": "_720p"}]
                }]
            })
        );
    }

    #[test]
    fn elements_beyond_the_template_are_appended() {
        assert_eq!(
            merge(&json!({"a": [1]}), &json!({"a": [2, 3], "b": true})),
            json!({"a": [2, 3], "b": true})
        );
    }
}

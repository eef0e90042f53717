//! The owner forms against the vectors the JS copies (page, template) are pinned to too.

use wiring::events::job_channel;
use wiring::owner::{channel_owner, owner_segment, sub_of_owner_segment};

fn vectors() -> Vec<(String, String, Option<String>)> {
    let text = include_str!("owner_vectors.json");
    let doc: serde_json::Value = serde_json::from_str(text).expect("vectors are JSON");
    doc["vectors"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| {
            (
                v["sub"].as_str().unwrap().to_string(),
                v["owner"].as_str().unwrap().to_string(),
                v["channel"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn both_forms_match_the_vectors() {
    let vectors = vectors();
    assert!(vectors.len() >= 10);
    for (sub, owner, channel) in vectors {
        assert_eq!(owner_segment(&sub), owner, "owner form of {sub:?}");
        assert_eq!(channel_owner(&sub), channel, "channel form of {sub:?}");
        assert_eq!(sub_of_owner_segment(&owner).as_deref(), Some(sub.as_str()));
    }
}

#[test]
fn channel_forms_are_valid_segments_and_never_collide() {
    let subs = [
        "a",
        "a-b",
        "a--b",
        "-a",
        "a-",
        "b--YQ",
        "YQ",
        "a_b",
        "~x",
        "動",
        "??>>",
        "???",
        "a/b",
        "auth0|64f1c2",
        "x@y.z",
        " ",
        "0",
    ];
    let mut seen = std::collections::BTreeMap::new();
    for sub in subs {
        let form = channel_owner(sub).expect("short subs have a channel form");
        assert!(form.len() <= 50, "{form}");
        let bytes = form.as_bytes();
        assert!(bytes[0].is_ascii_alphanumeric() && bytes[bytes.len() - 1].is_ascii_alphanumeric());
        assert!(
            bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'-'),
            "{form}"
        );
        if let Some(other) = seen.insert(form.clone(), sub) {
            panic!("{sub:?} and {other:?} share {form}");
        }
    }
    assert_eq!(channel_owner(""), None);
    assert_eq!(channel_owner(&"é".repeat(40)), None);
}

#[test]
fn owner_segments_that_no_sub_makes_have_no_sub() {
    for bad in ["", "~!!", "a/b", "~YQ==", "~YQ"] {
        // "~YQ" decodes to "a", whose owner form is "a", not "~YQ".
        assert_eq!(sub_of_owner_segment(bad), None, "{bad:?}");
    }
}

#[test]
fn a_job_channel_names_the_owner_and_the_job() {
    let uuid = "3f1c2a7e-9b4d-4e21-8c6a-0d5e7f9a1b2c";
    let job = "0123456789abcdef0123456789abcdef";
    assert_eq!(
        job_channel(uuid, job).as_deref(),
        Some(format!("/jobs/{uuid}/{job}").as_str())
    );
    assert_eq!(
        job_channel("~YXV0aDB8YWJj", job).as_deref(),
        Some(format!("/jobs/b--YXV0aDB8YWJj/{job}").as_str())
    );
    assert_eq!(job_channel(uuid, "a/b"), None);
    assert_eq!(job_channel("~", job), None);
}

//! Channel paths: the shape AppSync Events accepts, trailing-wildcard matching, and the owner
//! rule the template's `onSubscribe` handler enforces on `/<namespace>/<owner>/...`.

pub use wiring::owner::channel_owner;

/// A channel has at most five segments, the namespace included.
pub const MAX_SEGMENTS: usize = 5;

/// The longest segment: the namespace name's documented limit, applied to every segment.
pub const MAX_SEGMENT_CHARS: usize = 50;

/// Why a channel path is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadChannel(pub String);

/// A checked channel path: its segments, the namespace first. A subscription's path may end
/// in a `*` segment; a publish's may not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    segments: Vec<String>,
}

impl Channel {
    /// Parses `/<namespace>/<a>/...` (the leading `/` is optional, as the service's examples
    /// show both). Segments are 1 to [`MAX_SEGMENT_CHARS`] of `A-Z a-z 0-9 -` (the
    /// namespace name's pattern); `*` is allowed only as the last segment of a subscription.
    pub fn parse(path: &str, wildcard_allowed: bool) -> Result<Channel, BadChannel> {
        let trimmed = path.strip_prefix('/').unwrap_or(path);
        if trimmed.is_empty() {
            return Err(BadChannel("the channel is empty".into()));
        }
        let segments: Vec<&str> = trimmed.split('/').collect();
        if segments.len() > MAX_SEGMENTS {
            return Err(BadChannel(format!(
                "the channel has {} segments; at most {MAX_SEGMENTS} are allowed",
                segments.len()
            )));
        }
        let last = segments.len() - 1;
        for (i, segment) in segments.iter().enumerate() {
            if *segment == "*" {
                if !wildcard_allowed {
                    return Err(BadChannel(
                        "a publish cannot name a wildcard channel".into(),
                    ));
                }
                if i != last || i == 0 {
                    return Err(BadChannel(
                        "a wildcard is allowed only as the last segment after the namespace".into(),
                    ));
                }
                continue;
            }
            if !valid_segment(segment) {
                return Err(BadChannel(format!(
                    "segment {} of the channel is not 1 to {MAX_SEGMENT_CHARS} of A-Z, a-z, 0-9 and -",
                    i + 1
                )));
            }
        }
        Ok(Channel {
            segments: segments.into_iter().map(str::to_string).collect(),
        })
    }

    pub fn namespace(&self) -> &str {
        &self.segments[0]
    }

    pub fn segments(&self) -> &[String] {
        &self.segments
    }

    /// The path as clients spell it: `/a/b/c`.
    pub fn path(&self) -> String {
        format!("/{}", self.segments.join("/"))
    }

    pub fn is_wildcard(&self) -> bool {
        self.segments.last().is_some_and(|s| s == "*")
    }

    /// Whether an event published to `published` reaches a subscription to `self`: the same
    /// path, or for `/a/b/*` any channel with more segments below `/a/b`.
    pub fn matches(&self, published: &Channel) -> bool {
        if self.is_wildcard() {
            let prefix = &self.segments[..self.segments.len() - 1];
            published.segments.len() > prefix.len() && published.segments.starts_with(prefix)
        } else {
            self.segments == published.segments
        }
    }
}

fn valid_segment(segment: &str) -> bool {
    (1..=MAX_SEGMENT_CHARS).contains(&segment.len())
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The owner rule of the template's `onSubscribe`: a subscription names at least
/// `/<namespace>/<owner>/<something>` and its second segment is the caller's channel form
/// (`wiring::owner::channel_owner`). A wildcard there (`/jobs/*`) names every owner and is
/// refused, as is a caller without a channel form.
pub fn owner_may_subscribe(channel: &Channel, sub: &str) -> bool {
    let segments = channel.segments();
    segments.len() >= 3 && channel_owner(sub).is_some_and(|owner| segments[1] == owner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(path: &str) -> Channel {
        Channel::parse(path, true).unwrap()
    }

    fn publish(path: &str) -> Channel {
        Channel::parse(path, false).unwrap()
    }

    #[test]
    fn paths_of_up_to_five_plain_segments_are_channels() {
        assert_eq!(publish("/jobs/a/b").segments(), ["jobs", "a", "b"]);
        assert_eq!(publish("jobs/a").path(), "/jobs/a");
        assert!(Channel::parse("/a/b/c/d/e", false).is_ok());
        assert!(Channel::parse("/a/b/c/d/e/f", false).is_err());
        assert!(Channel::parse(&format!("/jobs/{}", "x".repeat(50)), false).is_ok());
        assert!(Channel::parse(&format!("/jobs/{}", "x".repeat(51)), false).is_err());
    }

    #[test]
    fn segments_outside_the_alphabet_are_refused() {
        for bad in [
            "",
            "/",
            "/jobs//a",
            "/jobs/a/",
            "/jobs/a_b",
            "/jobs/~abc",
            "/jobs/a.b",
            "/jobs/é",
        ] {
            assert!(Channel::parse(bad, true).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn a_wildcard_only_ends_a_subscription() {
        assert!(sub("/jobs/a/*").is_wildcard());
        assert!(Channel::parse("/jobs/a/*", false).is_err());
        assert!(Channel::parse("/jobs/*/a", true).is_err());
        assert!(Channel::parse("/*", true).is_err());
        assert!(Channel::parse("/jobs/a*", true).is_err());
    }

    #[test]
    fn wildcards_match_every_channel_below_their_prefix() {
        let all_of_a = sub("/jobs/a/*");
        assert!(all_of_a.matches(&publish("/jobs/a/job1")));
        assert!(all_of_a.matches(&publish("/jobs/a/job1/x")));
        assert!(!all_of_a.matches(&publish("/jobs/a")));
        assert!(!all_of_a.matches(&publish("/jobs/ab/job1")));
        assert!(!all_of_a.matches(&publish("/other/a/job1")));
        let exact = sub("/jobs/a/job1");
        assert!(exact.matches(&publish("/jobs/a/job1")));
        assert!(!exact.matches(&publish("/jobs/a/job2")));
        assert!(!exact.matches(&publish("/jobs/a/job1/x")));
    }

    #[test]
    fn only_the_owners_channels_may_be_subscribed() {
        let me = "3f1c2a7e-9b4d-4e21-8c6a-0d5e7f9a1b2c";
        assert!(owner_may_subscribe(&sub(&format!("/jobs/{me}/job1")), me));
        assert!(owner_may_subscribe(&sub(&format!("/jobs/{me}/*")), me));
        assert!(!owner_may_subscribe(&sub("/jobs/someone-else/job1"), me));
        assert!(!owner_may_subscribe(&sub("/jobs/*"), me));
        assert!(!owner_may_subscribe(&sub("/jobs"), me));
        assert!(!owner_may_subscribe(&sub(&format!("/jobs/{me}")), me));
        // A sub outside the channel alphabet subscribes under its encoded form only.
        assert!(owner_may_subscribe(
            &sub("/jobs/b--YXV0aDB8YWJj/job1"),
            "auth0|abc"
        ));
        assert!(!owner_may_subscribe(&sub("/jobs/b--YXV0aDB8YWJj/job1"), me));
    }
}

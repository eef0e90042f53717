//! What the Runtime API stub records of each invocation: the event's way through the queue and
//! the handler's answer, with the instants the cold-start benchmark measures against.

use std::time::Instant;

#[derive(Debug, Clone)]
pub struct Posted {
    pub body: Vec<u8>,
    /// `Lambda-Runtime-Function-Error-Type`, which error posts carry.
    pub error_type: Option<String>,
    /// When the post arrived.
    pub at: Instant,
}

impl Posted {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// How one invocation ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// `POST /runtime/invocation/{id}/response`
    Response(Posted),
    /// `POST /runtime/invocation/{id}/error`: Lambda would retry an async event.
    Error(Posted),
}

impl Outcome {
    pub fn posted(&self) -> &Posted {
        match self {
            Outcome::Response(p) | Outcome::Error(p) => p,
        }
    }

    /// The response body; panics (showing the error) when the handler posted an error.
    pub fn response(&self) -> &Posted {
        match self {
            Outcome::Response(p) => p,
            Outcome::Error(p) => panic!(
                "expected a response, the handler posted an error ({:?}): {}",
                p.error_type,
                p.text()
            ),
        }
    }

    /// The error body; panics (showing the response) when the handler answered normally.
    pub fn error(&self) -> &Posted {
        match self {
            Outcome::Error(p) => p,
            Outcome::Response(p) => panic!(
                "expected an invocation error, the handler answered: {}",
                p.text()
            ),
        }
    }
}

/// What an invocation went through, for the benchmark.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub request_id: String,
    pub enqueued_at: Instant,
    /// When `next` handed the event to the handler.
    pub delivered_at: Option<Instant>,
    pub outcome: Option<Outcome>,
}

impl Invocation {
    /// When the answer (response or error) arrived; panics if none has yet.
    pub fn answered_at(&self) -> Instant {
        self.outcome
            .as_ref()
            .map(|o| o.posted().at)
            .unwrap_or_else(|| panic!("invocation {} is not answered", self.request_id))
    }
}

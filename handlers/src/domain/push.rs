//! The progress event job-state publishes after a write that changed the stored state
//! (docs/api.md, "Pushed progress"), and the AppSync Events publish body that carries it.

use super::job_state::StateUpdate;
use serde_json::{Value, json};
use wiring::events::event;

/// The event of one stored update: status, percent, phase, MediaConvert's event time and a
/// sequence (the merge order, whose byte order is the merge's: a client keeps the greatest it
/// has seen and drops the rest). Small, and never anything secret: no key, no path.
pub fn progress_event(update: &StateUpdate, phase: Option<&str>) -> Value {
    json!({
        event::JOB_ID: update.job_id,
        event::STATUS: update.status.as_str(),
        event::PROGRESS: update.status.progress_of(update.progress),
        event::PHASE: phase,
        event::EVENT_TIME: update.event_time,
        event::SEQUENCE: update.order(),
    })
}

/// `POST /event`'s body: the channel and the one event as JSON text (AppSync Events takes
/// each event as a string holding JSON).
pub fn publish_body(channel: &str, event: &Value) -> String {
    json!({ "channel": channel, "events": [event.to_string()] }).to_string()
}

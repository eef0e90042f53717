//! The rules of the pipeline, with no I/O: MediaConvert's event types, the job-state merge,
//! naming of outputs and key files, error sanitizing, S3 key decoding, sequencer ordering,
//! API input validation and answer shapes. Everything here is a pure function of its inputs,
//! so the unit and property tests exercise it without any AWS endpoint.

pub mod api;
pub mod error_reason;
pub mod events;
pub mod job_state;
pub mod listing;
pub mod multipart;
pub mod naming;
pub mod push;
pub mod s3;
pub mod sanitize;
pub mod upload;

pub use api::*;
pub use error_reason::*;
pub use events::*;
pub use job_state::*;
pub use naming::*;
pub use s3::*;
pub use sanitize::*;

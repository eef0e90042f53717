//! MediaConvert's published API model (botocore's service model for `mediaconvert`
//! 2017-08-29) and a validator of JSON values against its shapes.
//!
//! The model is the service's own statement of what a request may hold: which members a
//! structure has, which are required, each enum's values, numeric ranges, string and list
//! lengths and string patterns. Validating against it catches, before anything reaches AWS,
//! what MediaConvert would answer `400 BadRequest` to (a misspelled codec, a member the
//! console renamed, a segment length out of range).
//!
//! Two naming modes, because the same settings travel under two spellings:
//! [`Naming::MemberNames`] (the model's PascalCase keys: console exports and CloudFormation's
//! `AWS::MediaConvert::JobTemplate` `SettingsJson`) and [`Naming::WireNames`] (each member's
//! `locationName`, camelCase: the REST-JSON body the SDKs send).
//!
//! Errors never echo a string value that is not an enum value: request bodies carry secrets
//! (the HLS static key is a plain string member), so a length or pattern error says only
//! which member and what rule.
//!
//! The modules: `load` (finding, reading and checking the model; [`LoadError`]), `shape`
//! (botocore's shape types as read), `model` ([`Model`] and what it says about itself),
//! `naming` ([`Naming`] and [`Model::rename`]), `validate` ([`Model::validate`]) and
//! `violation` (what the validator reports: [`Violation`], [`Problem`], [`Invalid`]).

mod load;
mod model;
mod naming;
mod shape;
mod validate;
mod violation;

pub use load::{API_VERSION, LoadError, botocore_relative_path};
pub use model::Model;
pub use naming::Naming;
pub use violation::{Invalid, Problem, Violation};

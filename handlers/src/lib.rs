//! Lambda handlers for the video transcoding pipeline.

//! MediaConvert's documented error codes (User Guide, "Error codes",
//! `mediaconvert_error_codes`) as a short reason for people and whether submitting the same
//! upload again can help. Only codes whose table row says what went wrong are here; any
//! other code falls back to the job's sanitized message.

/// A reason a person reads on the page, and whether trying again can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorReason {
    pub reason: &'static str,
    /// Whether running the same file with the same settings again can succeed: true only
    /// where the table names a fault of the service or of a moment, not of the file.
    pub retryable: bool,
}

const fn reason(reason: &'static str, retryable: bool) -> Option<ErrorReason> {
    Some(ErrorReason { reason, retryable })
}

/// The reason for MediaConvert error `code`, or `None` for a code not grounded in the table.
pub fn error_reason(code: i64) -> Option<ErrorReason> {
    match code {
        // "Input Error": can't open the input (inaccessible, corrupted, unsupported type).
        1010 => reason(
            "The file could not be read: it may be damaged or not a video.",
            false,
        ),
        // "Video Error": opened and read, but no video elementary stream.
        1020 => reason("The file has no video track.", false),
        // "Audio Error": no audio elementary stream where the settings ask for one.
        1021 => reason("The file has no audio track the settings could use.", false),
        // "Unsupported Codec": codec or container not among the supported inputs.
        1030 => reason(
            "The file's video format is not supported: try MP4 (H.264 or HEVC), MOV or WebM.",
            false,
        ),
        // "Settings Error": settings not supported in combination, or not with this input.
        1040 => reason(
            "The video's properties are not compatible with the conversion settings.",
            false,
        ),
        // "Disk Full" (1050, 1507): the output is too large for the service's disk.
        1050 | 1507 => reason("The video is too long to convert.", false),
        // "Demuxer Parse Error": couldn't recover from a problematic file when demuxing.
        1075 => reason(
            "The file is damaged and could not be read to the end.",
            false,
        ),
        // "Source Read Error": "The file might have an unexpected end of file".
        1076 => reason(
            "The file ends too early: the upload may be incomplete.",
            false,
        ),
        // "Decode Audio Initialization Error": supported codec, but the audio can't be read.
        1092 => reason("The file's sound could not be decoded.", false),
        // "Permissions Issue", "File Open Error", "IAM Role Error": the stack's wiring.
        1401 | 1404 | 1432 | 1433 | 1434 | 1515 => reason(
            "The service could not reach the file or its output: a setup problem on our side.",
            false,
        ),
        // "Encryption Error": encrypting an output failed.
        1091 => reason(
            "The video could not be encrypted: a setup problem on our side.",
            false,
        ),
        // "Acceleration Fault" and "Unknown Error": "unexpected ... Contact AWS Support".
        1550 | 1999 => reason("The conversion service had an unexpected error.", true),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_files_own_faults_are_not_retryable_and_the_services_are() {
        for code in [1010, 1020, 1030, 1076] {
            assert!(!error_reason(code).unwrap().retryable, "{code}");
        }
        assert!(error_reason(1999).unwrap().retryable);
        assert_eq!(
            error_reason(1020).unwrap().reason,
            "The file has no video track."
        );
    }

    #[test]
    fn codes_the_table_does_not_ground_have_no_reason() {
        for code in [0, 1, 1011, 1060, 3450, 99999, -1] {
            assert_eq!(error_reason(code), None, "{code}");
        }
    }
}

//! `docs/wiring.md`, rendered from this crate's data so the page cannot disagree with the
//! code (a test compares the committed file with [`render`]).

use crate::{FUNCTIONS, env, metadata, table};
use std::fmt::Write;

/// The whole page, section by section.
pub fn render() -> String {
    let mut s = String::new();
    for section in [
        header,
        functions,
        environment,
        shared_values,
        user_metadata,
        metrics,
        tables,
        table_keys,
        output_bucket,
    ] {
        section(&mut s);
    }
    s
}

/// The title, where the page comes from, and why the crate exists.
fn header(s: &mut String) {
    s.push_str(
        "# Wiring: the names the stack and the handlers share\n\n\
         <!-- Generated from the `wiring` crate (wiring/src): edit it there, then run\n     \
         UPDATE_WIRING_DOC=1 cargo test -p wiring --test doc -->\n\n\
         `synth` (the stack) and `handlers` (the Lambda code) are separate crates that never \
         link to\neach other; both depend on the `wiring` crate, which holds every name and \
         value they share.\nThis page is rendered from it.\n\n",
    );
}

/// Each function's binary, zip and trigger.
fn functions(s: &mut String) {
    s.push_str("## Functions\n");
    s.push_str("| binary (`handlers/src/bin`) | zip (`Code` in the stack) | trigger |\n");
    s.push_str("| --- | --- | --- |\n");
    for f in FUNCTIONS {
        let _ = writeln!(
            s,
            "| `{}` | `{}` | {} |",
            f.binary,
            crate::zip_path(f.binary),
            f.trigger
        );
    }
    s.push_str(
        "\nRuntime `provided.al2023`, handler `bootstrap`, architecture from the \
         `LambdaArchitecture`\nparameter (default `arm64`).\n\n",
    );
}

/// Which function reads which variable, and what its value is.
fn environment(s: &mut String) {
    s.push_str(
        "## Environment (read once at start; a missing or malformed variable fails the start, \
         naming it)\n",
    );
    s.push_str("| variable |");
    for f in FUNCTIONS {
        let _ = write!(s, " {} |", f.binary);
    }
    s.push_str(" value |\n| --- |");
    for _ in FUNCTIONS {
        s.push_str(" --- |");
    }
    s.push_str(" --- |\n");
    for var in env::ALL {
        let _ = write!(s, "| `{}` |", var.name);
        for f in FUNCTIONS {
            s.push_str(if f.env.contains(&var.name) {
                " x |"
            } else {
                " |"
            });
        }
        let _ = writeln!(s, " {} |", var.value);
    }
}

/// The prefixes, suffixes and intervals both sides use.
fn shared_values(s: &mut String) {
    s.push_str("\n## Shared values\n");
    s.push_str("| name | value |\n| --- | --- |\n");
    let _ = writeln!(s, "| `UPLOAD_PREFIX` | `{}` |", crate::UPLOAD_PREFIX);
    let _ = writeln!(s, "| `PLAYBACK_PREFIX` | `{}` |", crate::PLAYBACK_PREFIX);
    let _ = writeln!(s, "| `KEY_FILE_PREFIX` | `{}` |", crate::KEY_FILE_PREFIX);
    let _ = writeln!(
        s,
        "| `VIDEO_SUFFIXES` | {} |",
        code_list(crate::VIDEO_SUFFIXES.iter())
    );
    let _ = writeln!(
        s,
        "| `STATUS_UPDATE_INTERVALS` | {} |",
        code_list(crate::STATUS_UPDATE_INTERVALS.iter())
    );
}

/// The user metadata create-job sets on each job, and the rule matching it.
fn user_metadata(s: &mut String) {
    let _ = write!(
        s,
        "\n## MediaConvert user metadata (set at CreateJob; never a secret)\n\
         `{{\"{stack}\": \"<STACK_NAME>\", \"{job}\": \"<job id>\", \"{submitted}\": \"<epoch\nmilliseconds of the CreateJob call>\", \"{owner}\": \"<owner segment>\"}}`\n\
         (`{owner}` only for keys `uploads/<owner>/<upload id>/<file name>` whose owner is in its\n\
         plain form; job-state copies it to the status item's `{owner_attr}`, and for a `~` owner,\n\
         whose `~` MediaConvert refuses in a value, reads it from the job's output item when\n\
         `{on_output}: \"true\"` says it is there). No value\n\
         holds the upload's file name: MediaConvert accepts at most 256 characters of letters,\n\
         digits, space and `_ . : / = + - @`. `{job}` is the job id: \
         create-job's client request token\n(32 lowercase hex digits, from the upload's key and \
         S3 sequencer), the tables' `JobId` and the\nAPI's `{{jobId}}`; job-state keys every \
         write by it and drops an event without one. The EventBridge \
         rule's\npattern is `source: {source}`, `detail-type: {detail_type}`,\n\
         `detail.userMetadata.{stack}: [<stack name>]`.\n\n",
        stack = metadata::STACK,
        job = metadata::JOB,
        submitted = metadata::SUBMITTED_AT,
        owner = metadata::OWNER,
        on_output = metadata::OWNER_ON_OUTPUT,
        owner_attr = table::OWNER,
        source = crate::MEDIACONVERT_SOURCE,
        detail_type = crate::JOB_STATE_CHANGE,
    );
}

/// job-state's metrics and the alarm that reads one.
fn metrics(s: &mut String) {
    let _ = write!(
        s,
        "## Metrics (job-state's embedded-metric-format log lines; the stack's alarm reads one)\n\
         Namespace `{ns}`, dimension `{dim}` (user metadata `{stack}`): `{done}` (Count)\n\
         and `{secs}` (Seconds, from `{submitted}` to the COMPLETE event) on COMPLETE;\n\
         `{failed}` (Count) on ERROR, also by `{dim}`+`{code}`. The alarm `JobsFailedAlarm`\n\
         watches `{failed}` by `{dim}`.\n\n",
        ns = crate::metrics::NAMESPACE,
        dim = crate::metrics::STACK_DIMENSION,
        code = crate::metrics::ERROR_CODE_DIMENSION,
        done = crate::metrics::JOBS_COMPLETED,
        failed = crate::metrics::JOBS_FAILED,
        secs = crate::metrics::SECONDS_TO_COMPLETE,
        stack = metadata::STACK,
        submitted = metadata::SUBMITTED_AT,
    );
}

/// The tables, their keys and attributes, and the owner index.
fn tables(s: &mut String) {
    let _ = write!(
        s,
        "## Tables (partition key only, string; TTL attribute `{ttl}`, epoch seconds)\n\
         | table | key | attributes (the seed's names; added ones marked +) |\n\
         | --- | --- | --- |\n\
         | input file | `{input_file}` | `{job_id}`, `{created}`, `{ttl}`, + `Sequencer` (S3 \
         sequencer of the newest upload claimed), + `JobSequencer` (sequencer of the upload \
         `{job_id}` belongs to), + `{owner}` |\n\
         | job output | `{job_id}` | `OutputPath`, `KeyFile`, `KeyValue`, `CreationTime`, \
         `{ttl}` |\n\
         | job status | `{job_id}` | `JobStatus`, `ProgressRate`, `DurationMs`, `WidthPx`, \
         `HeightPx`, `OutputPath`, `Playlists`, `ErrorCode`, `ErrorMessage`, `CreationTime`, \
         `{ttl}`, + `StatusRank`, + `LastEventTime`, + `{owner}`, + `MergeOrder`, + \
         `MediaConvertJobId` |\n\
         | upload quota | `{quota_key}` (`<owner>#<UTC yyyy-mm-dd>`) | `{count}`, `{ttl}` |\n\n\
         The input file table's index `{index}`: partition key `{owner}` (S), sort key \
         `{created}` (N),\nall attributes projected (`GET /jobs`: an owner's uploads, newest \
         first).\n\n",
        ttl = table::TTL_ATTRIBUTE,
        input_file = table::INPUT_FILE,
        job_id = table::JOB_ID,
        created = table::CREATION_TIME,
        owner = table::OWNER,
        index = table::OWNER_INDEX,
        quota_key = table::QUOTA_KEY,
        count = table::UPLOAD_COUNT,
    );
}

/// Why the job id keys the job tables, the merge order, and each function's DynamoDB calls.
fn table_keys(s: &mut String) {
    let _ = write!(
        s,
        "`{job_id}` in the job output and job status tables is the job id (user metadata \
         `{job}`), fixed\nbefore CreateJob, so a CreateJob retried after MediaConvert's \
         one-minute idempotency window\n(a second MediaConvert job for one upload) writes the \
         same files with the same key and its\nevents merge into the same item. \
         `MergeOrder` is the merge's order of the state stored\n(`<status rank>.<progress, 3 \
         digits>.<event time, 13 digits>.<status>.<MediaConvert job id>`):\njob-state applies \
         each event with one `UpdateItem` conditional on `MergeOrder < :new`.\nDynamoDB calls \
         per function: create-job `UpdateItem` (input file: the claim, which also records \
         the job id),\n`PutItem` (job output), `UpdateItem` (job status), all conditional (a \
         failed condition returns\nthe item it failed on), and `GetItem` (job status) only \
         when an upload was claimed before; job-state `UpdateItem` (job status) per event, and `GetItem` (job \
         output) on\nCOMPLETE; status-api `GetItem` (input file, job status, job output for the \
         key), `Query`\n(index `{index}`), `BatchGetItem` (job status), `UpdateItem` (upload \
         quota, conditional).\n\n",
        index = table::OWNER_INDEX,
        job_id = table::JOB_ID,
        job = metadata::JOB,
    );
}

/// Where the outputs and the key files live in the output bucket.
fn output_bucket(s: &mut String) {
    let _ = write!(
        s,
        "## Output bucket layout\n\
         MediaConvert writes job `<job id>`'s HLS playlists and segments under `{hls}<job \
         id>/`\n(`OutputPath`; `index.m3u8`, `index_<rung>.m3u8`, segments), and its poster \
         stills beside them\n(`poster.NNNNNNN.jpg`, the last one the status item's `Poster`): \
         what the playback distribution\nserves, at `<PLAYBACK_URL>/<job id>/index.m3u8` \
         (`posterUrl`: `<PLAYBACK_URL>/<job id>/<Poster>`).\nOn COMPLETE job-state \
         writes the 16 key\nbytes to `KeyFile` = `{keys}<job id>/<key file name>` and \
         `{keys}<job id>/info.json`, which\nthe distribution cannot read. The playlists' key \
         URI is `<API_URL>/jobs/<job id>/key`\n(`{route}`, owner only).\n",
        hls = crate::PLAYBACK_PREFIX,
        keys = crate::KEY_FILE_PREFIX,
        route = crate::routes::GET_KEY,
    );
}

fn code_list<T: std::fmt::Display>(items: impl Iterator<Item = T>) -> String {
    items
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

//! A MediaConvert that really transcodes, on loopback: the REST-JSON API that
//! `aws-sdk-mediaconvert` speaks (CreateJob, GetJob, CreateJobTemplate, GetJobTemplate) with
//! `AWS_ENDPOINT_URL_MEDIACONVERT` pointing at it, every request checked against the
//! service's published model ([`mediaconvert_model`]), the job merged over its job template
//! ([`merge`]) and read as a [`plan`], ffmpeg writing AES-128 HLS to S3 ([`transcode`]) and
//! MediaConvert's EventBridge events handed to a sink the caller provides ([`events`]).
//!
//! Idempotency: a CreateJob with a `clientRequestToken` seen in the last minute answers the
//! job that token created, as MediaConvert does; after a minute the token starts a new job.
//!
//! Secrets: the static key is dropped from every answer (CreateJob, GetJob) and never put
//! into an error or an event (the real service returns it in GetJob; this project's rule is
//! that no API answer carries it).

pub mod events;
mod ffmpeg;
pub mod frame_capture;
pub mod ladder;
pub mod merge;
pub mod plan;
pub mod transcode;
pub mod user_metadata;

use events::{EventSink, JobIdentity};
use mediaconvert_model::{Model, Naming};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How long MediaConvert keeps a client request token.
pub const TOKEN_WINDOW: Duration = Duration::from_secs(60);

const PREFIX: &str = "/2017-08-29";

/// What the service needs to run.
pub struct Options {
    pub model: Arc<Model>,
    pub ffmpeg: PathBuf,
    /// Reads inputs and writes outputs (path-style against moto in tests).
    pub s3: aws_sdk_s3::Client,
    pub events: EventSink,
    pub region: String,
    pub account_id: String,
    /// Multiplies each job's status update interval: 1.0 (the default) is the job's own
    /// interval; a local stack may shorten it (0.1 turns SECONDS_10 into one second).
    pub interval_scale: f64,
    /// How long a client request token answers its job ([`TOKEN_WINDOW`], as MediaConvert).
    pub token_window: Duration,
}

/// Finds the ffmpeg that the pinned `imageio-ffmpeg` package ships, through `python` (the
/// tools' virtualenv).
///
/// # Errors
/// When python does not run or the package is missing, naming the package and how to install it.
pub fn locate_ffmpeg(python: &Path) -> Result<PathBuf, String> {
    let hint = "ffmpeg comes from the pinned imageio-ffmpeg package: run `bash scripts/tools.sh`";
    let out = std::process::Command::new(python)
        .args([
            "-c",
            "import imageio_ffmpeg; print(imageio_ffmpeg.get_ffmpeg_exe())",
        ])
        .output()
        .map_err(|e| {
            format!(
                "ffmpeg not found: cannot run {} ({e}); {hint}",
                python.display()
            )
        })?;
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if !out.status.success() || !path.is_file() {
        return Err(format!(
            "ffmpeg not found: {} cannot locate imageio-ffmpeg's ffmpeg; {hint}",
            python.display()
        ));
    }
    Ok(path)
}

/// The `SettingsJson` (member names) and `StatusUpdateInterval` of the template's one
/// `AWS::MediaConvert::JobTemplate` resource, with its logical id.
///
/// # Errors
/// When the text is not YAML/JSON or has no such resource, or more than one.
pub fn job_template_from_stack(text: &str) -> Result<(String, Value, Option<String>), String> {
    let doc: Value =
        serde_yaml::from_str(text).map_err(|e| format!("the stack template is not YAML: {e}"))?;
    let found: Vec<(&String, &Value)> = doc["Resources"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, r)| r["Type"] == "AWS::MediaConvert::JobTemplate")
        .collect();
    let [(logical_id, resource)] = found.as_slice() else {
        return Err(format!(
            "the stack template has {} AWS::MediaConvert::JobTemplate resources; expected one",
            found.len()
        ));
    };
    let settings = resource["Properties"]["SettingsJson"].clone();
    if !settings.is_object() {
        return Err(format!("{logical_id} has no SettingsJson object"));
    }
    let interval = resource["Properties"]["StatusUpdateInterval"]
        .as_str()
        .map(String::from);
    Ok((logical_id.to_string(), settings, interval))
}

struct JobEntry {
    job: Value,
    percent: Arc<AtomicU32>,
    /// Its events' identity and its run, for CancelJob.
    identity: JobIdentity,
    run: Option<tokio::task::AbortHandle>,
}

struct State {
    options: Options,
    templates: Mutex<HashMap<String, Value>>,
    jobs: Mutex<HashMap<String, JobEntry>>,
    tokens: Mutex<HashMap<String, (String, Instant)>>,
}

/// The service, listening on 127.0.0.1.
pub struct Server {
    addr: SocketAddr,
    state: Arc<State>,
    accept: tokio::task::JoinHandle<()>,
}

/// An answer: status, `x-amzn-ErrorType` for errors, JSON body.
struct Answer {
    status: u16,
    error_type: Option<&'static str>,
    body: Value,
}

fn error(status: u16, kind: &'static str, message: impl Into<String>) -> Answer {
    Answer {
        status,
        error_type: Some(kind),
        body: json!({"message": message.into()}),
    }
}

fn bad_request(message: impl Into<String>) -> Answer {
    error(400, "BadRequestException", message)
}

impl Server {
    /// Binds 127.0.0.1:`port` (0 = a free port) and serves until dropped.
    ///
    /// # Errors
    /// When the port cannot be bound (in use), naming it.
    pub async fn start(options: Options, port: u16) -> Result<Server, String> {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| format!("mediaconvert-local cannot listen on 127.0.0.1:{port}: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let state = Arc::new(State {
            options,
            templates: Mutex::new(HashMap::new()),
            jobs: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
        });
        let accept = {
            let state = state.clone();
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    tokio::spawn(serve_connection(state.clone(), stream));
                }
            })
        };
        Ok(Server {
            addr,
            state,
            accept,
        })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL_MEDIACONVERT` or an SDK's endpoint.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many jobs exist (a refused request makes none).
    pub fn job_count(&self) -> usize {
        self.state.jobs.lock().expect("jobs lock").len()
    }

    /// Registers a job template as CloudFormation would create it, from settings in either
    /// spelling (`SettingsJson` uses member names).
    ///
    /// # Errors
    /// When the settings are not valid `JobTemplateSettings`, naming every violation.
    pub fn register_job_template(
        &self,
        name: &str,
        settings: &Value,
        naming: Naming,
        status_update_interval: Option<&str>,
    ) -> Result<(), String> {
        let mut request = json!({"name": name, "settings": settings});
        if naming == Naming::MemberNames {
            request["settings"] = self.state.options.model.rename(
                "JobTemplateSettings",
                settings,
                Naming::MemberNames,
                Naming::WireNames,
            );
        }
        if let Some(interval) = status_update_interval {
            request["statusUpdateInterval"] = interval.into();
        }
        let answer = self.state.create_job_template(&request);
        if answer.status == 201 {
            Ok(())
        } else {
            Err(answer.body["message"]
                .as_str()
                .unwrap_or_default()
                .to_string())
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn serve_connection(state: Arc<State>, mut stream: TcpStream) {
    let mut buffer = Vec::new();
    loop {
        let Some(head_end) = read_head(&mut stream, &mut buffer).await else {
            return;
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
        let mut lines = head.split("\r\n");
        let mut request_line = lines.next().unwrap_or_default().split(' ');
        let method = request_line.next().unwrap_or_default().to_string();
        let target = request_line.next().unwrap_or_default().to_string();
        let mut length = 0usize;
        let mut close = false;
        for line in lines {
            if let Some((name, value)) = line.split_once(':') {
                let value = value.trim();
                match name.trim().to_ascii_lowercase().as_str() {
                    "content-length" => length = value.parse().unwrap_or(0),
                    "connection" => close = value.eq_ignore_ascii_case("close"),
                    _ => {}
                }
            }
        }
        let body_start = head_end + 4;
        while buffer.len() < body_start + length {
            let mut chunk = [0u8; 16 * 1024];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        let body = buffer[body_start..body_start + length].to_vec();
        buffer.drain(..body_start + length);

        let answer = state.route(&method, &target, &body);
        let text = answer.body.to_string();
        let mut response = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nx-amzn-RequestId: {}\r\n",
            answer.status,
            reason(answer.status),
            text.len(),
            random_uuid()
        );
        if let Some(kind) = answer.error_type {
            response.push_str(&format!("x-amzn-ErrorType: {kind}\r\n"));
        }
        if close {
            response.push_str("Connection: close\r\n");
        }
        response.push_str("\r\n");
        response.push_str(&text);
        if stream.write_all(response.as_bytes()).await.is_err() || close {
            return;
        }
    }
}

/// Reads until the buffer holds a whole request head; its length without the blank line.
async fn read_head(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<usize> {
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            return Some(end);
        }
        if buffer.len() > 64 * 1024 {
            return None;
        }
        let mut chunk = [0u8; 16 * 1024];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        404 => "Not Found",
        409 => "Conflict",
        _ => "Error",
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A random RFC 4122 version-4 UUID (event and request ids).
pub fn random_uuid() -> String {
    let mut b = [0u8; 16];
    getrandom::getrandom(&mut b).expect("the OS random source");
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// MediaConvert's job id shape: creation time in milliseconds, a dash, six base-36 characters.
fn new_job_id() -> String {
    let mut b = [0u8; 6];
    getrandom::getrandom(&mut b).expect("the OS random source");
    let alphabet = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let suffix: String = b
        .iter()
        .map(|x| alphabet[*x as usize % 36] as char)
        .collect();
    format!("{}-{suffix}", chrono::Utc::now().timestamp_millis())
}

/// The settings without the static key, for answers.
fn redacted(settings: &Value) -> Value {
    let mut settings = settings.clone();
    if let Some(groups) = settings["outputGroups"].as_array_mut() {
        for group in groups {
            if let Some(provider) = group
                .pointer_mut("/outputGroupSettings/hlsGroupSettings/encryption/staticKeyProvider")
                .and_then(Value::as_object_mut)
            {
                provider.remove("staticKeyValue");
            }
        }
    }
    settings
}

fn interval_seconds(interval: &str) -> Option<u32> {
    interval.strip_prefix("SECONDS_")?.parse().ok()
}

impl State {
    fn route(self: &Arc<Self>, method: &str, target: &str, body: &[u8]) -> Answer {
        let path = target.split('?').next().unwrap_or_default();
        let Some(rest) = path.strip_prefix(PREFIX) else {
            return error(
                404,
                "NotFoundException",
                format!("no such operation: {method} {path}"),
            );
        };
        let parse = || -> Result<Value, Answer> {
            serde_json::from_slice(body)
                .map_err(|e| bad_request(format!("the request body is not JSON: {e}")))
        };
        match (method, rest) {
            ("POST", "/jobs") => match parse() {
                Ok(request) => self.create_job(&request),
                Err(answer) => answer,
            },
            ("POST", "/jobTemplates") => match parse() {
                Ok(request) => self.create_job_template(&request),
                Err(answer) => answer,
            },
            ("GET", p) if p.starts_with("/jobs/") => self.get_job(&percent_decode(&p[6..])),
            ("DELETE", p) if p.starts_with("/jobs/") => self.cancel_job(&percent_decode(&p[6..])),
            ("GET", p) if p.starts_with("/jobTemplates/") => {
                let name = percent_decode(&p["/jobTemplates/".len()..]);
                match self.templates.lock().expect("templates lock").get(&name) {
                    Some(t) => Answer {
                        status: 200,
                        error_type: None,
                        body: json!({"jobTemplate": t}),
                    },
                    None => error(
                        404,
                        "NotFoundException",
                        format!("The job template named {name:?} was not found"),
                    ),
                }
            }
            _ => error(
                404,
                "NotFoundException",
                format!("no such operation: {method} {path}"),
            ),
        }
    }

    fn validate(&self, shape: &str, value: &Value) -> Result<(), Answer> {
        self.options
            .model
            .validate(shape, value, Naming::WireNames)
            .map_err(|invalid| bad_request(format!("{shape} is invalid: {invalid}")))
    }

    fn create_job_template(&self, request: &Value) -> Answer {
        if let Err(answer) = self.validate("CreateJobTemplateRequest", request) {
            return answer;
        }
        let name = request["name"].as_str().unwrap_or_default().to_string();
        let mut templates = self.templates.lock().expect("templates lock");
        if templates.contains_key(&name) {
            return error(
                409,
                "ConflictException",
                format!("A job template named {name:?} already exists"),
            );
        }
        let mut template = request.clone();
        template["arn"] = format!(
            "arn:aws:mediaconvert:{}:{}:jobTemplates/{name}",
            self.options.region, self.options.account_id
        )
        .into();
        template["type"] = "CUSTOM".into();
        template["createdAt"] = chrono::Utc::now().timestamp().into();
        templates.insert(name, template.clone());
        Answer {
            status: 201,
            error_type: None,
            body: json!({"jobTemplate": template}),
        }
    }

    fn get_job(&self, id: &str) -> Answer {
        let jobs = self.jobs.lock().expect("jobs lock");
        let Some(entry) = jobs.get(id) else {
            return error(
                404,
                "NotFoundException",
                format!("The job with id {id:?} was not found"),
            );
        };
        let mut job = entry.job.clone();
        if job["status"] == "PROGRESSING" {
            job["jobPercentComplete"] = entry.percent.load(Ordering::SeqCst).into();
        }
        Answer {
            status: 200,
            error_type: None,
            body: json!({"job": job}),
        }
    }

    fn create_job(self: &Arc<Self>, request: &Value) -> Answer {
        if let Err(answer) = self.validate("CreateJobRequest", request) {
            return answer;
        }
        if let Err(why) = user_metadata::check(request.get("userMetadata")) {
            return bad_request(why);
        }
        let token = request["clientRequestToken"].as_str().map(String::from);
        // One lock over check-and-insert, so two concurrent requests with one token make one job.
        let mut tokens = self.tokens.lock().expect("tokens lock");
        let window = self.options.token_window;
        tokens.retain(|_, (_, at)| at.elapsed() < window);
        if let Some((id, _)) = token.as_ref().and_then(|t| tokens.get(t)) {
            let mut answer = self.get_job(id);
            answer.status = 201;
            return answer;
        }

        let (template_settings, template_interval) = match request["jobTemplate"].as_str() {
            Some(name) => match self.templates.lock().expect("templates lock").get(name) {
                Some(t) => (
                    t["settings"].clone(),
                    t["statusUpdateInterval"].as_str().map(String::from),
                ),
                None => {
                    return bad_request(format!("The job template named {name:?} was not found"));
                }
            },
            None => (json!({}), None),
        };
        let settings = merge::merge(&template_settings, &request["settings"]);
        if let Err(answer) = self.validate("JobSettings", &settings) {
            return answer;
        }
        let interval = request["statusUpdateInterval"]
            .as_str()
            .map(String::from)
            .or(template_interval)
            .unwrap_or_else(|| "SECONDS_60".into());
        let Some(seconds) = interval_seconds(&interval) else {
            return bad_request(format!(
                "statusUpdateInterval {interval:?} is not SECONDS_<n>"
            ));
        };
        let plan = match plan::plan(&settings, seconds) {
            Ok(plan) => plan,
            Err(why) => return bad_request(why),
        };

        let id = new_job_id();
        let o = &self.options;
        let identity = JobIdentity {
            job_id: id.clone(),
            account_id: o.account_id.clone(),
            region: o.region.clone(),
            queue: events::queue_arn(&o.region, &o.account_id),
            user_metadata: request
                .get("userMetadata")
                .cloned()
                .unwrap_or_else(|| json!({})),
        };
        let mut job = json!({
            "id": id,
            "arn": identity.arn(),
            "createdAt": chrono::Utc::now().timestamp(),
            "status": "SUBMITTED",
            "role": request["role"],
            "queue": identity.queue,
            "settings": redacted(&settings),
            "statusUpdateInterval": interval,
            "userMetadata": identity.user_metadata,
            "priority": 0,
        });
        for member in ["jobTemplate", "clientRequestToken"] {
            if let Some(v) = request.get(member) {
                job[member] = v.clone();
            }
        }
        let percent = Arc::new(AtomicU32::new(0));
        self.jobs.lock().expect("jobs lock").insert(
            id.clone(),
            JobEntry {
                job: job.clone(),
                percent: percent.clone(),
                identity: identity.clone(),
                run: None,
            },
        );
        if let Some(token) = token {
            tokens.insert(token, (id.clone(), Instant::now()));
        }
        drop(tokens);

        // Every event also moves the job GetJob answers, so polling and events agree.
        let sink: EventSink = {
            let state = Arc::downgrade(self);
            let outer = o.events.clone();
            Arc::new(move |event: Value| {
                if let Some(state) = state.upgrade() {
                    state.record(&event);
                }
                outer(event);
            })
        };
        let runner = transcode::Runner {
            ffmpeg: o.ffmpeg.clone(),
            s3: o.s3.clone(),
            events: sink,
            interval_scale: o.interval_scale,
        };
        // Under the jobs lock, so a CancelJob right after this answer finds the run.
        let mut jobs = self.jobs.lock().expect("jobs lock");
        let run = tokio::spawn(transcode::run(runner, identity, plan, percent));
        if let Some(entry) = jobs.get_mut(&id) {
            entry.run = Some(run.abort_handle());
        }
        drop(jobs);
        Answer {
            status: 201,
            error_type: None,
            body: json!({"job": job}),
        }
    }

    /// CancelJob (`DELETE /jobs/{id}`, 202 with an empty object, as the model's
    /// `CancelJobResponse`): a job not yet finished stops where it is (its run is aborted:
    /// ffmpeg, started with `kill_on_drop`, is killed, its scratch folder removed, nothing
    /// more is uploaded) and the CANCELED event follows, as the service sends it. The job
    /// lock is held from the status check to the event, so a run cannot complete between:
    /// its COMPLETE goes through [`Self::record`], which takes the same lock.
    fn cancel_job(&self, id: &str) -> Answer {
        // The id travels in the path, so the model names it by its member name.
        if let Err(invalid) =
            self.options
                .model
                .validate("CancelJobRequest", &json!({"Id": id}), Naming::MemberNames)
        {
            return bad_request(format!("CancelJobRequest is invalid: {invalid}"));
        }
        let mut jobs = self.jobs.lock().expect("jobs lock");
        let Some(entry) = jobs.get_mut(id) else {
            return error(
                404,
                "NotFoundException",
                format!("The job with id {id:?} was not found"),
            );
        };
        let status = entry.job["status"].as_str().unwrap_or_default().to_string();
        if !matches!(status.as_str(), "SUBMITTED" | "PROGRESSING") {
            return error(
                409,
                "ConflictException",
                format!("The job {id:?} is {status} and can no longer be canceled"),
            );
        }
        if let Some(run) = entry.run.take() {
            run.abort();
        }
        entry.job["status"] = "CANCELED".into();
        let event = entry.identity.event("CANCELED", serde_json::Map::new());
        drop(jobs);
        (self.options.events)(event);
        Answer {
            status: 202,
            error_type: None,
            body: json!({}),
        }
    }

    fn record(&self, event: &Value) {
        let detail = &event["detail"];
        let Some(id) = detail["jobId"].as_str() else {
            return;
        };
        let mut jobs = self.jobs.lock().expect("jobs lock");
        let Some(entry) = jobs.get_mut(id) else {
            return;
        };
        let status = detail["status"].as_str().unwrap_or_default();
        match status {
            "PROGRESSING" | "COMPLETE" | "ERROR" => entry.job["status"] = status.into(),
            _ => {}
        }
        for member in ["errorCode", "errorMessage", "outputGroupDetails"] {
            if let Some(v) = detail.get(member) {
                entry.job[member] = v.clone();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stack_templates_one_job_template_is_found_or_the_count_is_named() {
        let stack = "Resources:\n  JobTemplate:\n    Type: AWS::MediaConvert::JobTemplate\n    Properties:\n      StatusUpdateInterval: SECONDS_12\n      SettingsJson: {OutputGroups: []}\n";
        let (id, settings, interval) = job_template_from_stack(stack).expect("found");
        assert_eq!(id, "JobTemplate");
        assert_eq!(settings, json!({"OutputGroups": []}));
        assert_eq!(interval.as_deref(), Some("SECONDS_12"));
        let none = job_template_from_stack("Resources: {}").unwrap_err();
        assert!(
            none.contains("has 0 AWS::MediaConvert::JobTemplate"),
            "{none}"
        );
    }

    #[test]
    fn answers_never_carry_the_static_key() {
        let settings = json!({"outputGroups": [{"outputGroupSettings": {"hlsGroupSettings": {
            "encryption": {"staticKeyProvider": {"staticKeyValue": "00112233445566778899aabbccddeeff", "url": "k"}}
        }}}]});
        let shown = redacted(&settings).to_string();
        assert!(
            !shown.contains("00112233445566778899aabbccddeeff"),
            "{shown}"
        );
        assert!(shown.contains("\"url\":\"k\""), "{shown}");
    }
}

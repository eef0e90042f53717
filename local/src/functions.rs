//! The stack's functions: the handler binaries built, then each function of the deployment
//! started as a [`Lambda`] with the environment the template gives it, its AWS URLs pointed
//! at the local stand-ins.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::process::Command;

use crate::deployment::FunctionSpec;
use crate::error::Error;
use crate::lambda::Lambda;

/// Runs `cargo build -p local -p handlers --bins` in `root`. Building `local` too makes the
/// build resolve the same features as `cargo run -p local`'s, so the two share every crate.
pub async fn build(root: &Path) -> Result<(), Error> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .args([
            "build", "--quiet", "-p", "local", "-p", "handlers", "--bins",
        ])
        .current_dir(root);
    // `cargo run` gives this process its package's variables and a library path with
    // build-script outputs; build scripts that watch them would rerun and rebuild the
    // SDK on every start, so the build gets the environment cargo run was started with.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("CARGO_PKG_") || key.starts_with("CARGO_MANIFEST_") {
            build.env_remove(key.as_ref());
        }
    }
    if let Some(paths) = std::env::var_os("LD_LIBRARY_PATH") {
        let toolchain = std::env::var_os("RUSTUP_HOME").map(PathBuf::from);
        let kept: Vec<PathBuf> = std::env::split_paths(&paths)
            .filter(|p| !p.starts_with(root.join("target")))
            .filter(|p| !toolchain.as_ref().is_some_and(|t| p.starts_with(t)))
            .collect();
        match std::env::join_paths(kept) {
            Ok(joined) if !joined.is_empty() => build.env("LD_LIBRARY_PATH", joined),
            _ => build.env_remove("LD_LIBRARY_PATH"),
        };
    }
    let status = build.status().await.map_err(Error::Build)?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::BuildFailed(status))
    }
}

/// Where the functions' AWS calls go instead of AWS.
pub struct Endpoints<'a> {
    /// moto, for every service but MediaConvert (`AWS_ENDPOINT_URL`).
    pub moto: &'a str,
    /// The MediaConvert stand-in (`AWS_ENDPOINT_URL_MEDIACONVERT`).
    pub mediaconvert: &'a str,
    /// (AWS URL, the local stand-in's URL): the API's `execute-api` URL, the distribution's
    /// and the hosted UI's domains, replaced wherever a function's environment names them.
    pub stand_ins: &'a [(String, String)],
}

impl Endpoints<'_> {
    fn environment(&self, spec: &FunctionSpec) -> BTreeMap<String, String> {
        let mut env: BTreeMap<String, String> = spec
            .env
            .iter()
            .map(|(k, v)| {
                let v = self
                    .stand_ins
                    .iter()
                    .fold(v.clone(), |v, (aws, local)| v.replace(aws.as_str(), local));
                (k.clone(), v)
            })
            .collect();
        env.insert("AWS_ENDPOINT_URL".into(), self.moto.to_owned());
        env.insert(
            "AWS_ENDPOINT_URL_MEDIACONVERT".into(),
            self.mediaconvert.to_owned(),
        );
        env
    }
}

/// The running functions, found by ARN as the template's triggers and routes name them.
pub struct Functions(Vec<(FunctionSpec, Arc<Lambda>)>);

impl Functions {
    /// Starts each function's binary from `bin_dir`.
    pub fn start(
        specs: Vec<FunctionSpec>,
        bin_dir: &Path,
        endpoints: &Endpoints<'_>,
    ) -> Result<Functions, Error> {
        let mut running = Vec::new();
        for spec in specs {
            let binary = bin_dir.join(&spec.binary);
            if !binary.is_file() {
                return Err(Error::MissingBinary(binary));
            }
            let lambda = Lambda::start(
                &spec.binary,
                &spec.name,
                binary,
                endpoints.environment(&spec),
                Duration::from_secs(spec.timeout_seconds),
                spec.memory_mb,
            )
            .map_err(Error::Lambda)?;
            running.push((spec, Arc::new(lambda)));
        }
        Ok(Functions(running))
    }

    /// The function `arn` (or a bare name) names.
    pub fn get(&self, arn: &str) -> Result<Arc<Lambda>, Error> {
        self.0
            .iter()
            .find(|(spec, _)| spec.is(arn))
            .map(|(_, l)| Arc::clone(l))
            .ok_or_else(|| Error::NotAFunction(arn.to_owned()))
    }

    /// Each of `arns`' functions, in order.
    pub fn all<'a>(
        &self,
        arns: impl IntoIterator<Item = &'a str>,
    ) -> Result<Vec<Arc<Lambda>>, Error> {
        arns.into_iter().map(|arn| self.get(arn)).collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Lambda> {
        self.0.iter().map(|(_, l)| l.as_ref())
    }

    pub async fn stop(&self) {
        for lambda in self.iter() {
            lambda.stop().await;
        }
    }
}

//! The environment the Lambda service gives every function, with fake credentials.
/// Static, obviously fake credentials: every endpoint a function reaches here is moto or a
/// loopback stand-in, so nothing can reach AWS.
pub const ACCESS_KEY_ID: &str = "testing";
pub const SECRET_ACCESS_KEY: &str = "testing";
pub const REGION: &str = "us-east-1";

/// The environment the Lambda service gives every function, minus anything inherited from the
/// test process (no profile or real credential can leak in). The credentials are fake on
/// purpose: the endpoints are moto and loopback stubs.
pub fn lambda_environment(function_name: &str) -> Vec<(String, String)> {
    [
        ("AWS_LAMBDA_FUNCTION_NAME", function_name),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/runtime-api-stub"),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "stub"),
        ("AWS_REGION", REGION),
        ("AWS_DEFAULT_REGION", REGION),
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY),
        ("AWS_SESSION_TOKEN", "testing"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("_HANDLER", "bootstrap"),
        ("TZ", ":UTC"),
        ("LANG", "en_US.UTF-8"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

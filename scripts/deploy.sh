#!/usr/bin/env bash
# Deploys one stage: synth -> aws cloudformation package -> aws cloudformation deploy, then
# prints the stack's outputs. Non-interactive; the stack is vod-progress-<STAGE> with the
# parameters of cloudformation/<STAGE>.json.
#
#   scripts/deploy.sh STAGE [--artifact-bucket BUCKET] [--template FILE] [--parameter KEY=VALUE]...
#
#   --artifact-bucket  S3 bucket that receives the Lambda zips (default: $ARTIFACT_BUCKET)
#   --parameter        a template parameter for this deploy only, over the stage file's value
#                      (e.g. --parameter AlarmEmail=ops@example.com); repeatable
#   --template         deploy this synthesized template instead of running synth (CI promotes
#                      one built template); it must sit in the repo root, because the
#                      functions' Code paths (target/lambda/...) are relative to it
#
# The zips come from scripts/build.sh. AWS access is the CLI's usual chain (environment,
# profile, OIDC role in CI); AWS_ENDPOINT_URL points every call elsewhere (moto in
# scripts/rehearse.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bins=(create-job job-state status-api)

die() {
  echo "deploy.sh: $*" >&2
  exit 1
}

usage() {
  awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
}

stage=""
bucket=${ARTIFACT_BUCKET:-}
template=""
overrides=()
while [ $# -gt 0 ]; do
  case "$1" in
  --artifact-bucket)
    [ $# -ge 2 ] || die "--artifact-bucket needs a bucket name"
    bucket=$2
    shift
    ;;
  --artifact-bucket=*) bucket=${1#*=} ;;
  --template)
    [ $# -ge 2 ] || die "--template needs a file"
    template=$2
    shift
    ;;
  --template=*) template=${1#*=} ;;
  --parameter)
    [ $# -ge 2 ] || die "--parameter needs KEY=VALUE"
    overrides+=("$2")
    shift
    ;;
  --parameter=*) overrides+=("${1#*=}") ;;
  -h | --help)
    usage
    exit 0
    ;;
  -*) die "unknown option '$1' (see --help)" ;;
  *)
    [ -z "$stage" ] || die "one stage at a time (got '$stage' and '$1')"
    stage=$1
    ;;
  esac
  shift
done

# Local checks first: they are cheap and need no AWS access.
[ -n "$stage" ] || die "missing STAGE (usage: scripts/deploy.sh STAGE [--artifact-bucket BUCKET])"
known_stages=""
for file in cloudformation/*.json; do
  [ -f "$file" ] && known_stages+="${known_stages:+, }$(basename "$file" .json)"
done
if ! [[ "$stage" =~ ^[a-z][a-z0-9-]{0,30}$ ]] || [ ! -f "cloudformation/$stage.json" ]; then
  die "unknown stage '$stage': no cloudformation/$stage.json (known stages: ${known_stages:-none})"
fi
[ -n "$bucket" ] || die "no artifact bucket: pass --artifact-bucket BUCKET or set ARTIFACT_BUCKET"
for bin in "${bins[@]}"; do
  [ -f "target/lambda/$bin/bootstrap.zip" ] ||
    die "missing target/lambda/$bin/bootstrap.zip: run scripts/build.sh first"
done
if [ -n "$template" ]; then
  [ -f "$template" ] || die "template '$template' not found"
  template=$(cd "$(dirname "$template")" && pwd)/$(basename "$template")
  [ "$(dirname "$template")" = "$root" ] ||
    die "template '$template' must be in the repo root: its Code paths (target/lambda/...) are relative to it"
fi

if [ -n "${AWS_CLI:-}" ]; then
  aws=$AWS_CLI
elif [ -x "$root/.tools/venv/bin/aws" ]; then
  aws=$root/.tools/venv/bin/aws
elif command -v aws >/dev/null 2>&1; then
  aws=$(command -v aws)
else
  die "the aws CLI was not found: run scripts/tools.sh (installs the pinned awscli into .tools/venv)"
fi
python=$root/.tools/venv/bin/python
[ -x "$python" ] || python=$(command -v python3) || die "python3 not found"

# awscli v1 reads AWS_DEFAULT_REGION only; CI's credential action sets AWS_REGION too.
if [ -z "${AWS_DEFAULT_REGION:-}" ] && [ -n "${AWS_REGION:-}" ]; then
  export AWS_DEFAULT_REGION=$AWS_REGION
fi

# Stage parameters as the Key=Value words awscli v1's deploy takes. The file is the list of
# "Key=Value" strings awscli reads with file://; a flat {"Key": "Value"} object, the
# CodePipeline shape ({"Parameters": {...}}) and the create-stack shape
# ([{"ParameterKey", "ParameterValue"}]) are accepted as well.
params=()
while IFS= read -r line; do
  params+=("$line")
done < <("$python" - "cloudformation/$stage.json" "$stage" <<'PY'
import json, sys

path, stage = sys.argv[1], sys.argv[2]
try:
    with open(path) as f:
        data = json.load(f)
except (OSError, ValueError) as e:
    sys.exit(f"deploy.sh: cannot read {path}: {e}")
if isinstance(data, dict) and isinstance(data.get("Parameters"), dict):
    data = data["Parameters"]
if isinstance(data, list) and all(isinstance(p, str) for p in data):
    pairs = [p.split("=", 1) for p in data]
    if any(len(p) != 2 or not p[0] for p in pairs):
        sys.exit(f"deploy.sh: {path}: expected \"Key=Value\" strings")
    data = dict(pairs)
elif isinstance(data, list):
    try:
        data = {p["ParameterKey"]: p["ParameterValue"] for p in data}
    except (TypeError, KeyError):
        sys.exit(f"deploy.sh: {path}: expected \"Key=Value\" strings or ParameterKey/ParameterValue entries")
if not isinstance(data, dict) or not data:
    sys.exit(f"deploy.sh: {path}: expected a JSON object of parameter names to values")
if "Stage" in data and str(data["Stage"]) != stage:
    sys.exit(f"deploy.sh: {path} sets Stage={data['Stage']}, expected {stage}")
for key, value in data.items():
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    elif isinstance(value, bool):
        value = str(value).lower()
    value = str(value)
    if "\n" in value:
        sys.exit(f"deploy.sh: {path}: parameter {key} holds a line break")
    print(f"{key}={value}")
PY
)
[ ${#params[@]} -gt 0 ] || die "cloudformation/$stage.json gave no parameters"
for override in ${overrides[@]+"${overrides[@]}"}; do
  key=${override%%=*}
  [[ "$override" == *=* && "$key" =~ ^[A-Za-z0-9]+$ ]] || die "--parameter '$override' is not KEY=VALUE"
  [ "$key" != Stage ] || die "--parameter cannot change Stage (it names the stack)"
  kept=()
  for p in "${params[@]}"; do
    [ "${p%%=*}" = "$key" ] || kept+=("$p")
  done
  params=("${kept[@]}" "$override")
done

# The zips must match the architecture the stage deploys.
if [ -f target/lambda/ARCH ]; then
  built=$(cat target/lambda/ARCH)
  wanted=arm64
  for p in "${params[@]}"; do
    case "$p" in LambdaArchitecture=*) wanted=${p#*=} ;; esac
  done
  [ "$built" = "$wanted" ] ||
    die "the zips are built for $built but stage $stage deploys $wanted: run scripts/build.sh$([ "$wanted" = x86_64 ] && echo ' --x86-64')"
fi

if ! identity=$("$aws" sts get-caller-identity --query Arn --output text 2>&1); then
  die "no usable AWS credentials (aws sts get-caller-identity failed: $(printf '%s' "$identity" | grep -v '^$' | tail -n 1))"
fi
if ! err=$("$aws" s3api head-bucket --bucket "$bucket" 2>&1); then
  die "artifact bucket '$bucket' is missing or not accessible ($(printf '%s' "$err" | grep -v '^$' | tail -n 1)); create it once with: aws s3 mb s3://$bucket"
fi

stack=vod-progress-$stage
work=$root/target/deploy/$stage
mkdir -p "$work"
started=$(date +%s)
echo "deploy.sh: stage $stage -> stack $stack as $identity${AWS_ENDPOINT_URL:+ at $AWS_ENDPOINT_URL}" >&2

if [ -z "$template" ]; then
  template=$root/stack.yaml
  # Written next to the repo root (Code paths are relative to the template), via a temporary
  # file so a failed synth leaves no half-written stack.yaml behind.
  cargo run --quiet --locked -p synth >"$template.tmp" || {
    rm -f "$template.tmp"
    die "synth failed (cargo run -p synth)"
  }
  mv "$template.tmp" "$template"
fi

"$aws" cloudformation package \
  --template-file "$template" \
  --s3-bucket "$bucket" \
  --s3-prefix "$stack" \
  --output-template-file "$work/packaged.yaml" >/dev/null ||
  die "aws cloudformation package failed (see above)"

capabilities=(CAPABILITY_IAM)
# Only a template that names its IAM resources needs the broader capability.
if grep -Eq '^[[:space:]]*"?(RoleName|ManagedPolicyName|UserName|GroupName|InstanceProfileName)"?:' "$work/packaged.yaml"; then
  capabilities+=(CAPABILITY_NAMED_IAM)
fi

# The template goes through the artifact bucket too: inline templates stop at 51,200 bytes.
if ! "$aws" cloudformation deploy \
  --template-file "$work/packaged.yaml" \
  --stack-name "$stack" \
  --s3-bucket "$bucket" \
  --s3-prefix "$stack" \
  --parameter-overrides "${params[@]}" \
  --capabilities "${capabilities[@]}" \
  --tags "vod-progress:stage=$stage" \
  --no-fail-on-empty-changeset; then
  echo "deploy.sh: failed events of $stack:" >&2
  # shellcheck disable=SC2016 # backticks are JMESPath literals
  "$aws" cloudformation describe-stack-events --stack-name "$stack" \
    --query 'StackEvents[?ends_with(ResourceStatus, `FAILED`)].[LogicalResourceId,ResourceType,ResourceStatusReason]' \
    --output text >&2 || true
  die "aws cloudformation deploy of $stack failed"
fi

"$aws" cloudformation describe-stacks --stack-name "$stack" \
  --query 'Stacks[0].Outputs[].[OutputKey,OutputValue,Description]' --output table
echo "deploy.sh: $stack deployed in $(($(date +%s) - started))s" >&2

#!/usr/bin/env bash
# Deploy rehearsal (part of the test command): deploys the real stack with scripts/deploy.sh
# to a moto server on loopback, as it would deploy to AWS, and checks the result through the
# AWS API (scripts/rehearse_check.py):
#   1. deploy.sh's error paths exit non-zero with their message and create nothing;
#   2. dev deploys (synth -> package -> deploy); its tables, buckets, functions, rule, queues, log groups, HTTP API
#      and playback distribution (CloudFront, OAC, origin path /hls, HTTPS only)
#      exist and each function's environment names dev's own resources;
#   3. prod deploys beside it (the same template) and no physical name collides with dev;
#   4. a stage in OIDC mode (OidcIssuer/OidcAudience set) deploys the same template: no
#      Cognito pool, client or domain exists and the JWT authorizer trusts the given issuer;
#   5. dev redeploys unchanged without failure and without replacing anything.
# Every stage is checked for sign-in (pool, client, hosted-UI domain, the authorizer on every
# route), the upload route's throttle, the owner index, the quota table, the upload trigger's
# prefix and suffix filters and the uploads' expiry.
#   Alarms: dev deploys with AlarmEmail set (a --parameter override, not a stage-file value)
#   and must have the SNS topic, its e-mail subscription and every alarm; prod deploys without
#   and must have none of them.
#   6. scripts/destroy.sh refuses an unknown stage, a stack deploy.sh did not deploy and prod
#      without --yes (no terminal), deleting nothing; then it destroys dev with versioned
#      objects and delete markers in its buckets, and prod with --yes: stacks and buckets gone.
#      Not rehearsed, as moto cannot model them: alarms firing and the confirmation e-mail
#      (moto evaluates no alarm and sends no mail), access logs refilling a bucket during
#      the deletion (destroy.sh's retry), and bucket versioning set by CloudFormation (moto
#      ignores VersioningConfiguration; the rehearsal switches it on through S3).
# Needs the zips of scripts/build.sh (it does not build them) and the pinned tools.
# moto's gaps and how local/moto/server.py fills them are described in that file.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

venv=$root/.tools/venv
bins=(create-job job-state status-api)
started=$(date +%s)
passed=0
failed=0

die() {
  echo "rehearse.sh: $*" >&2
  exit 1
}
ok() {
  passed=$((passed + 1))
  echo "ok   $*"
}
fail() {
  failed=$((failed + 1))
  echo "FAIL $*"
}
elapsed() {
  echo "$(($(date +%s) - $1))s"
}

for tool in python aws moto_server; do
  [ -x "$venv/bin/$tool" ] || die "$tool missing from .tools/venv: run scripts/tools.sh"
done
for file in "${bins[@]/%//bootstrap.zip}" ARCH; do
  [ -f "target/lambda/$file" ] || die "missing target/lambda/$file: run scripts/build.sh first"
done

scratch=$(mktemp -d)
moto_pid=""
cleanup() {
  if [ -n "$moto_pid" ]; then
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT

# The server lives as long as this script holds the write end of its stdin.
mkfifo "$scratch/moto.in"
"$venv/bin/python" local/moto/server.py <"$scratch/moto.in" >"$scratch/moto.port" 2>"$scratch/moto.log" &
moto_pid=$!
exec 3>"$scratch/moto.in"
port=""
for _ in $(seq 1 300); do
  port=$(head -n 1 "$scratch/moto.port" 2>/dev/null || true)
  [ -n "$port" ] && break
  kill -0 "$moto_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$port" ] || die "moto did not start: $(tail -n 3 "$scratch/moto.log")"
echo "rehearse.sh: moto on 127.0.0.1:$port (started in $(elapsed "$started"))"

# Dummy credentials against moto only: no real profile, config or instance metadata is read.
export AWS_ENDPOINT_URL=http://127.0.0.1:$port
export AWS_ACCESS_KEY_ID=rehearsal AWS_SECRET_ACCESS_KEY=rehearsal
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN ARTIFACT_BUCKET AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE \
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_CREDENTIALS_FULL_URI
export AWS_CLI=$venv/bin/aws
bucket=vod-progress-artifacts-rehearsal

# expect_error NAME MESSAGE COMMAND...: the command fails and says MESSAGE.
expect_error() {
  local name=$1 message=$2
  shift 2
  local out rc=0
  out=$("$@" 2>&1) || rc=$?
  if [ "$rc" -ne 0 ] && grep -qF -- "$message" <<<"$out"; then
    ok "$name: exit $rc, \"$message\""
  else
    fail "$name: expected a failure saying \"$message\", got exit $rc: $(tail -n 2 <<<"$out")"
  fi
}

# The zips' own check (build.sh ran it already): it passes, and it can fail.
t=$(date +%s)
if out=$(bash scripts/build.sh --check-only 2>&1); then
  ok "build.sh --check-only: the zips run on provided.al2023 (glibc <= 2.34)"
else
  fail "build.sh --check-only: $(tail -n 2 <<<"$out")"
fi
expect_error "build.sh --check-only with GLIBC_MAX=2.17" "needs glibc" \
  env GLIBC_MAX=2.17 bash scripts/build.sh --check-only
case "$(cat target/lambda/ARCH)" in
x86_64) other=(--arm64 AArch64) ;;
*) other=(--x86-64 X86-64) ;;
esac
expect_error "build.sh --check-only ${other[0]} on the other architecture's zips" "expected ${other[1]}" \
  bash scripts/build.sh --check-only "${other[0]}"

expect_error "deploy.sh unknown stage" "unknown stage 'staging'" \
  bash scripts/deploy.sh staging --artifact-bucket "$bucket"
expect_error "deploy.sh without an artifact bucket" "no artifact bucket" \
  bash scripts/deploy.sh dev
expect_error "deploy.sh with an artifact bucket that does not exist" "artifact bucket '$bucket' is missing" \
  bash scripts/deploy.sh dev --artifact-bucket "$bucket"
expect_error "deploy.sh without credentials" "no usable AWS credentials" \
  env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY bash scripts/deploy.sh dev --artifact-bucket "$bucket"
# Missing zips: the check runs on a copy of the deploy inputs, never on the real zips.
mkdir -p "$scratch/clone/scripts" "$scratch/clone/cloudformation"
cp scripts/deploy.sh "$scratch/clone/scripts/"
cp cloudformation/*.json "$scratch/clone/cloudformation/"
expect_error "deploy.sh without the zips" "run scripts/build.sh first" \
  bash "$scratch/clone/scripts/deploy.sh" dev --artifact-bucket "$bucket"
# Zips of one architecture, a stage that deploys the other: refused before any AWS call.
mkdir -p "$scratch/clone/target"
ln -s "$root/target/lambda" "$scratch/clone/target/lambda"
other_arch=$([ "$(cat target/lambda/ARCH)" = x86_64 ] && echo arm64 || echo x86_64)
sed -e "s/LambdaArchitecture=[a-z0-9_]*/LambdaArchitecture=$other_arch/" -e 's/Stage=dev/Stage=archtest/' \
  cloudformation/dev.json >"$scratch/clone/cloudformation/archtest.json"
expect_error "deploy.sh of a stage whose architecture differs from the zips'" "but stage archtest deploys $other_arch" \
  bash "$scratch/clone/scripts/deploy.sh" archtest --artifact-bucket "$bucket"
stacks=$("$AWS_CLI" cloudformation list-stacks --query 'StackSummaries[].StackName' --output text)
if [ -z "$stacks" ]; then
  ok "the failed deploys created no stack"
else
  fail "the failed deploys left stacks behind: $stacks"
fi
echo "rehearse.sh: build check and error paths in $(elapsed "$t")"

"$AWS_CLI" s3api create-bucket --bucket "$bucket" >/dev/null
export ARTIFACT_BUCKET=$bucket

# deploy STAGE [ARGS]: runs deploy.sh ($DEPLOY if set), counts it, keeps its output in the
# scratch directory.
deploy() {
  local stage=$1 t
  t=$(date +%s)
  if bash "${DEPLOY:-scripts/deploy.sh}" "$@" >"$scratch/deploy-$stage.log" 2>&1; then
    ok "deploy.sh $stage ($(elapsed "$t"))"
    return 0
  fi
  fail "deploy.sh $stage ($(elapsed "$t")):"
  tr '\r' '\n' <"$scratch/deploy-$stage.log" | grep -v '^Uploading to' | tail -n 20 | sed 's/^/    /'
  return 1
}

# check ARGS...: the API checks, folded into this script's counts.
check() {
  local out rc=0
  out=$("$venv/bin/python" scripts/rehearse_check.py "$@") || rc=$?
  grep -E '^(ok|FAIL) ' <<<"$out" || true
  passed=$((passed + $(grep -c '^ok ' <<<"$out" || true)))
  failed=$((failed + $(grep -c '^FAIL ' <<<"$out" || true)))
  if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' <<<"$out"; then
    fail "rehearse_check.py $* exited $rc: $(tail -n 3 <<<"$out")"
  fi
}

alarm_email=alarms@example.com
if deploy dev --parameter "AlarmEmail=$alarm_email"; then
  if grep -q 'ApiUrl' "$scratch/deploy-dev.log"; then
    ok "deploy.sh dev printed the outputs table"
  else
    fail "deploy.sh dev printed no outputs table"
  fi
  check dev --snapshot "$scratch/dev.json" --alarm-email "dev=$alarm_email"
fi
# The later deploys take the template the first one synthesized, as CI promotes one built
# template: "unchanged" then means exactly that, even while synth/ is being edited.
if deploy prod --template stack.yaml; then
  check dev prod --alarm-email "dev=$alarm_email"
fi
# OIDC mode: dev's values plus an external issuer, from the scratch copy of the deploy inputs
# (a stage file the repository does not ship).
"$venv/bin/python" - cloudformation/dev.json "$scratch/clone/cloudformation/oidc.json" <<'PY'
import json, sys
params = [p for p in json.load(open(sys.argv[1])) if not p.startswith("Stage=")]
params += ["Stage=oidc", "OidcIssuer=https://issuer.example.com/realms/rehearsal", "OidcAudience=rehearsal-client"]
json.dump(params, open(sys.argv[2], "w"), indent=2)
PY
cp stack.yaml "$scratch/clone/stack.yaml"
if DEPLOY="$scratch/clone/scripts/deploy.sh" deploy oidc --template "$scratch/clone/stack.yaml"; then
  check oidc --stage-dir "$scratch/clone/cloudformation"
fi
if deploy dev --template stack.yaml --parameter "AlarmEmail=$alarm_email"; then
  if grep -q 'No changes to deploy' "$scratch/deploy-dev.log"; then
    ok "redeploy of dev found no changes"
  else
    fail "redeploy of dev changed the stack: $(grep -m1 -i 'stack' "$scratch/deploy-dev.log")"
  fi
  check dev --unchanged "$scratch/dev.json" --alarm-email "dev=$alarm_email"
fi

# 5. Teardown.
t=$(date +%s)
stack_buckets() {
  # shellcheck disable=SC2016 # backticks are JMESPath literals
  "$AWS_CLI" cloudformation describe-stack-resources --stack-name "vod-progress-$1" \
    --query 'StackResources[?ResourceType==`AWS::S3::Bucket`].PhysicalResourceId' --output text
}
stack_exists() {
  local status
  status=$("$AWS_CLI" cloudformation describe-stacks --stack-name "$1" --query 'Stacks[0].StackStatus' --output text 2>/dev/null) &&
    [ "$status" != DELETE_COMPLETE ]
}
printf '{"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}' >"$scratch/rogue.json"
"$AWS_CLI" cloudformation create-stack --stack-name vod-progress-rogue \
  --template-body "file://$scratch/rogue.json" >/dev/null
expect_error "destroy.sh of a stage with no stack" "no stack vod-progress-staging" \
  bash scripts/destroy.sh staging
expect_error "destroy.sh of a stack deploy.sh did not deploy" "deploy.sh did not deploy it" \
  bash scripts/destroy.sh rogue --yes
expect_error "destroy.sh prod without --yes and without a terminal" "refusing to delete prod without --yes" \
  bash scripts/destroy.sh prod </dev/null
left=0
for stack in vod-progress-dev vod-progress-prod vod-progress-rogue; do
  stack_exists "$stack" && left=$((left + 1))
done
if [ "$left" -eq 3 ]; then
  ok "the refused teardowns deleted no stack"
else
  fail "the refused teardowns deleted $((3 - left)) of 3 stacks"
fi

dev_buckets=$(stack_buckets dev 2>/dev/null || true)
versions=0
unversioned=""
for b in $dev_buckets; do
  # moto's CloudFormation ignores VersioningConfiguration: switch it on through S3's API so
  # the teardown meets what AWS would hold, old versions and delete markers.
  if [ "$("$AWS_CLI" s3api get-bucket-versioning --bucket "$b" --query Status --output text)" != Enabled ]; then
    unversioned+=" $b"
    "$AWS_CLI" s3api put-bucket-versioning --bucket "$b" --versioning-configuration Status=Enabled
  fi
  for body in first second; do
    printf '%s' "$body" >"$scratch/object"
    "$AWS_CLI" s3api put-object --bucket "$b" --key rehearsal/video.mp4 --body "$scratch/object" >/dev/null
  done
  "$AWS_CLI" s3api delete-object --bucket "$b" --key rehearsal/video.mp4 >/dev/null
  "$AWS_CLI" s3api put-object --bucket "$b" --key rehearsal/kept.txt --body "$scratch/object" >/dev/null
  versions=$((versions + $("$AWS_CLI" s3api list-object-versions --bucket "$b" \
    --query 'length([Versions || `[]`, DeleteMarkers || `[]`][])' --output text)))
done
if [ "$(wc -w <<<"$dev_buckets")" -ge 3 ] && [ "$versions" -ge 12 ]; then
  ok "dev's $(wc -w <<<"$dev_buckets") buckets hold $versions object versions and delete markers"
else
  fail "dev's buckets ($dev_buckets) hold $versions versions and delete markers, expected at least 4 in each of 3"
fi
[ -z "$unversioned" ] || echo "rehearse.sh: moto created these buckets without versioning (its CloudFormation gap); enabled through S3:$unversioned"
destroyed() {
  local stage=$1 buckets=$2 b gone=true
  stack_exists "vod-progress-$stage" && gone=false
  for b in $buckets; do
    "$AWS_CLI" s3api head-bucket --bucket "$b" >/dev/null 2>&1 && gone=false
  done
  $gone
}
if bash scripts/destroy.sh dev >"$scratch/destroy-dev.log" 2>&1 && destroyed dev "$dev_buckets"; then
  ok "destroy.sh dev: emptied the versioned buckets, deleted the stack and its $(wc -w <<<"$dev_buckets") buckets"
else
  fail "destroy.sh dev: $(tail -n 3 "$scratch/destroy-dev.log")"
fi
prod_buckets=$(stack_buckets prod 2>/dev/null || true)
if bash scripts/destroy.sh prod --yes </dev/null >"$scratch/destroy-prod.log" 2>&1 && destroyed prod "$prod_buckets"; then
  ok "destroy.sh prod --yes: deleted the stack and its buckets"
else
  fail "destroy.sh prod --yes: $(tail -n 3 "$scratch/destroy-prod.log")"
fi
if stack_exists vod-progress-rogue; then
  ok "the stack deploy.sh did not deploy is still there"
else
  fail "destroy.sh deleted a stack deploy.sh did not deploy"
fi
echo "rehearse.sh: teardown in $(elapsed "$t")"

# What moto's CloudFormation skipped: said, not hidden (see local/moto/server.py).
skipped=$(grep -o 'No Moto CloudFormation support for [A-Za-z0-9:]*' "$scratch/moto.log" | sed 's/.* for //' | sort -u | paste -sd ' ' - || true)
echo "rehearse.sh: resource types moto does not model (not checked here): ${skipped:-none}"
echo "rehearse.sh: done in $(elapsed "$started")"
echo "rehearsal: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

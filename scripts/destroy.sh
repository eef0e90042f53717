#!/usr/bin/env bash
# Tears one stage down: empties every bucket of the stack vod-progress-<STAGE> (every object
# version and delete marker), deletes the stack and waits until it is gone.
#
#   scripts/destroy.sh STAGE [--yes]
#
#   --yes  do not ask before deleting prod (without a terminal to ask on, prod needs it)
#
# It refuses a stack that scripts/deploy.sh did not deploy (no tag vod-progress:stage=<STAGE>)
# and a stage with no stack. The buckets keep receiving server access logs for a while after
# the last request, so a deletion that fails on a bucket that is not empty is retried (empty
# again, delete again) a bounded number of times. AWS access and AWS_ENDPOINT_URL as in
# scripts/deploy.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Deletion attempts: access-log delivery is best effort and usually lands within minutes.
attempts=${DESTROY_ATTEMPTS:-5}
# Seconds between two looks at a stack being deleted.
poll=${DESTROY_POLL_SECONDS:-10}

die() {
  echo "destroy.sh: $*" >&2
  exit 1
}

usage() {
  awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
}

stage=""
yes=false
while [ $# -gt 0 ]; do
  case "$1" in
  --yes | -y) yes=true ;;
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
[ -n "$stage" ] || die "missing STAGE (usage: scripts/destroy.sh STAGE [--yes])"
[[ "$stage" =~ ^[a-z][a-z0-9-]{0,30}$ ]] || die "invalid stage name '$stage'"

if [ -n "${AWS_CLI:-}" ]; then
  aws=$AWS_CLI
elif [ -x "$root/.tools/venv/bin/aws" ]; then
  aws=$root/.tools/venv/bin/aws
elif command -v aws >/dev/null 2>&1; then
  aws=$(command -v aws)
else
  die "the aws CLI was not found: run scripts/tools.sh (installs the pinned awscli into .tools/venv)"
fi
if [ -z "${AWS_DEFAULT_REGION:-}" ] && [ -n "${AWS_REGION:-}" ]; then
  export AWS_DEFAULT_REGION=$AWS_REGION
fi

last_line() {
  printf '%s' "$1" | grep -v '^$' | tail -n 1
}

if ! identity=$("$aws" sts get-caller-identity --query Arn --output text 2>&1); then
  die "no usable AWS credentials (aws sts get-caller-identity failed: $(last_line "$identity"))"
fi

stack=vod-progress-$stage
if ! tag=$("$aws" cloudformation describe-stacks --stack-name "$stack" \
  --query "Stacks[0].Tags[?Key=='vod-progress:stage'].Value | [0]" --output text 2>&1); then
  if grep -q 'does not exist' <<<"$tag"; then
    die "no stack $stack: stage '$stage' is not deployed (nothing deleted)"
  fi
  die "cannot read stack $stack: $(last_line "$tag")"
fi
[ "$tag" = "$stage" ] ||
  die "stack $stack has no tag vod-progress:stage=$stage: scripts/deploy.sh did not deploy it, refusing to delete it"

if [ "$stage" = prod ] && ! $yes; then
  [ -t 0 ] || die "refusing to delete prod without --yes (no terminal to ask on)"
  read -r -p "Delete stack $stack and every object in its buckets? Type 'prod' to confirm: " answer
  [ "$answer" = prod ] || die "not confirmed: nothing deleted"
fi

# shellcheck disable=SC2016 # backticks are JMESPath literals
buckets=$("$aws" cloudformation describe-stack-resources --stack-name "$stack" \
  --query 'StackResources[?ResourceType==`AWS::S3::Bucket`].PhysicalResourceId' --output text) ||
  die "cannot list the buckets of $stack"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# empty BUCKET: deletes every version and delete marker, a page of at most 1000 at a time
# (DeleteObjects' limit); a bucket already gone is empty.
empty() {
  local bucket=$1 page count out deleted=0
  while :; do
    # shellcheck disable=SC2016 # backticks are JMESPath literals
    if ! page=$("$aws" s3api list-object-versions --bucket "$bucket" --max-keys 1000 --no-paginate \
      --query '{Objects: [Versions || `[]`, DeleteMarkers || `[]`][][].{Key: Key, VersionId: VersionId}, Quiet: `true`}' \
      --output json 2>&1); then
      grep -q 'NoSuchBucket' <<<"$page" && return 0
      die "cannot list the objects of bucket $bucket: $(last_line "$page")"
    fi
    printf '%s' "$page" >"$work/delete.json"
    count=$(grep -c '"Key"' "$work/delete.json" || true)
    [ "$count" -gt 0 ] || break
    out=$("$aws" s3api delete-objects --bucket "$bucket" --delete "file://$work/delete.json" \
      --query 'Errors[0].[Key, Code, Message]' --output text 2>&1) ||
      die "cannot delete objects of bucket $bucket: $(last_line "$out")"
    [ -z "$out" ] || [ "$out" = None ] || die "cannot delete objects of bucket $bucket: $out"
    deleted=$((deleted + count))
  done
  echo "destroy.sh: emptied $bucket ($deleted versions and delete markers)" >&2
}

echo "destroy.sh: deleting stack $stack as $identity${AWS_ENDPOINT_URL:+ at $AWS_ENDPOINT_URL}" >&2
for attempt in $(seq 1 "$attempts"); do
  for bucket in $buckets; do
    [ "$bucket" = None ] || empty "$bucket"
  done
  "$aws" cloudformation delete-stack --stack-name "$stack" || die "aws cloudformation delete-stack $stack failed"
  # Polled here rather than with `aws cloudformation wait`, which checks every 30 s only.
  status=DELETE_IN_PROGRESS
  for _ in $(seq 1 $((3600 / poll))); do
    status=$("$aws" cloudformation describe-stacks --stack-name "$stack" \
      --query 'Stacks[0].StackStatus' --output text 2>"$work/wait.err") || status=GONE
    if [ "$status" = GONE ] || [ "$status" = DELETE_COMPLETE ]; then
      grep -q 'does not exist' "$work/wait.err" || [ "$status" = DELETE_COMPLETE ] ||
        die "cannot read stack $stack while deleting it: $(last_line "$(cat "$work/wait.err")")"
      echo "destroy.sh: stack $stack deleted" >&2
      exit 0
    fi
    [ "$status" = DELETE_IN_PROGRESS ] || break
    sleep "$poll"
  done
  [ "$status" = DELETE_FAILED ] || die "stack $stack is $status, not deleted, after an hour"
  # shellcheck disable=SC2016 # backticks are JMESPath literals
  reasons=$("$aws" cloudformation describe-stack-events --stack-name "$stack" \
    --query 'StackEvents[?ResourceStatus==`DELETE_FAILED`].ResourceStatusReason' --output text 2>/dev/null || true)
  if ! grep -qi 'not empty' <<<"$reasons"; then
    die "deleting stack $stack failed: $(last_line "${reasons:-$status}")"
  fi
  echo "destroy.sh: a bucket received objects while the stack was deleted; emptying again (attempt $attempt of $attempts)" >&2
done
die "stack $stack still has non-empty buckets after $attempts attempts: run scripts/destroy.sh $stage again later"

#!/usr/bin/env bash
# Builds the Lambda zips the stack packages: target/lambda/<binary>/bootstrap.zip for every
# function, release profile, with cargo-lambda and zig from the pinned tools (.tools/venv).
#
#   scripts/build.sh            # arm64 (Graviton), the stack's default LambdaArchitecture
#   scripts/build.sh --x86-64   # x86_64; deploy a stage whose LambdaArchitecture is x86_64
#   scripts/build.sh --check-only [--x86-64]   # only check the zips already built
#
# Every shipped binary is checked to run on provided.al2023: no glibc symbol version newer
# than GLIBC_MAX (2.34, the glibc of Amazon Linux 2023) and the ELF machine of the chosen
# architecture. target/lambda/ARCH records the architecture for scripts/deploy.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# The binaries of the handlers crate, one per function (docs/wiring.md).
bins=(create-job job-state status-api)
glibc_max=${GLIBC_MAX:-2.34}
lambda_dir="$root/target/lambda"

die() {
  echo "build.sh: $*" >&2
  exit 1
}

arch=arm64
check_only=false
while [ $# -gt 0 ]; do
  case "$1" in
  --check-only) check_only=true ;;
  --arm64) arch=arm64 ;;
  --x86-64 | --x86_64) arch=x86_64 ;;
  -h | --help)
    awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
    exit 0
    ;;
  *) die "unknown argument '$1' (expected --arm64 or --x86-64)" ;;
  esac
  shift
done

case "$arch" in
arm64)
  triple=aarch64-unknown-linux-gnu
  elf_machine=AArch64
  ;;
x86_64)
  triple=x86_64-unknown-linux-gnu
  elf_machine=X86-64
  ;;
esac

started=$(date +%s)

build() {
  if [ ! -x "$root/.tools/venv/bin/cargo-lambda" ]; then
    bash "$root/scripts/tools.sh"
  fi
  [ -x "$root/.tools/venv/bin/cargo-lambda" ] ||
    die "cargo-lambda missing from .tools/venv after scripts/tools.sh; check scripts/requirements-tools.txt"
  # cargo-lambda links through zig and finds it as `python3 -m ziglang`: the venv's python
  # must come first on PATH (the pinned ziglang package lives there).
  export PATH="$root/.tools/venv/bin:$PATH"
  python3 -m ziglang version >/dev/null 2>&1 ||
    die "zig not found: the venv's python cannot run 'python3 -m ziglang'; run scripts/tools.sh"

  if command -v rustup >/dev/null 2>&1; then
    if ! rustup target list --installed | grep -qx "$triple"; then
      echo "build.sh: adding the Rust target $triple" >&2
      rustup target add "$triple" ||
        die "cannot add the Rust target $triple ('rustup target add $triple' failed); install it and retry"
    fi
  elif [ ! -d "$(rustc --print sysroot)/lib/rustlib/$triple" ]; then
    die "the Rust standard library for $triple is missing and rustup is not available to add it"
  fi

  # A failed build must not leave the previous (maybe other-architecture) zips looking current.
  for bin in "${bins[@]}"; do
    rm -f "$lambda_dir/$bin/bootstrap.zip"
  done
  rm -f "$lambda_dir/ARCH"

  bin_args=()
  for bin in "${bins[@]}"; do
    bin_args+=(--bin "$bin")
  done
  cargo-lambda lambda build --release --locked --target "$triple" --output-format zip \
    --lambda-dir "$lambda_dir" --package handlers "${bin_args[@]}"
}
$check_only || build

# Checks what ships: the bootstrap inside each zip.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failed=0
printf '%-12s %12s %10s  %s\n' binary "zip bytes" "zip MB" "newest glibc"
for bin in "${bins[@]}"; do
  zip="$lambda_dir/$bin/bootstrap.zip"
  if [ ! -f "$zip" ]; then
    $check_only && die "missing $zip: run scripts/build.sh first"
    die "cargo-lambda did not produce $zip"
  fi
  unzip -p "$zip" bootstrap >"$scratch/$bin"
  machine=$(readelf --file-header "$scratch/$bin" | sed -n 's/^ *Machine: *//p')
  case "$machine" in
  *"$elf_machine"*) ;;
  *)
    echo "build.sh: $bin is built for '$machine', expected $elf_machine" >&2
    failed=1
    ;;
  esac
  newest=$(
    {
      readelf --dyn-syms --wide "$scratch/$bin"
      readelf --version-info --wide "$scratch/$bin"
    } | grep -oE 'GLIBC_[0-9]+(\.[0-9]+)+' | sed 's/^GLIBC_//' | sort -uV | tail -n 1
  )
  newest=${newest:-none}
  if [ "$newest" != none ] &&
    [ "$(printf '%s\n%s\n' "$glibc_max" "$newest" | sort -V | tail -n 1)" != "$glibc_max" ]; then
    echo "build.sh: $bin needs glibc $newest, newer than $glibc_max (provided.al2023)" >&2
    failed=1
  fi
  size=$(stat -c %s "$zip")
  printf '%-12s %12d %10s  %s\n' "$bin" "$size" "$(awk -v s="$size" 'BEGIN { printf "%.2f", s / 1048576 }')" "$newest"
done
if [ "$failed" -ne 0 ]; then
  $check_only && die "a binary cannot run on provided.al2023 (see above)"
  for bin in "${bins[@]}"; do
    rm -f "$lambda_dir/$bin/bootstrap.zip"
  done
  die "a binary cannot run on provided.al2023 (see above); its zips were removed"
fi

if $check_only; then
  echo "build.sh: the $arch zips in target/lambda need glibc <= $glibc_max"
else
  echo "$arch" >"$lambda_dir/ARCH"
  echo "build.sh: $arch zips in target/lambda, glibc <= $glibc_max, in $(($(date +%s) - started))s"
fi

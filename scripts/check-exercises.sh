#!/usr/bin/env bash
# Proves that docs/exercises.md's checks mean something: on a scratch copy of this
# checkout, every check (an ignored test in tests/exercises.rs) must FAIL on the tree as
# it is, and each must PASS once its reference solution (docs/exercises/solutions/
# N-<test name>.patch) is applied, and then be taken out again. The copy lives in the
# temp directory and is deleted on exit; the checkout is never touched. Builds share
# the checkout's target directory, so the dependencies are built once and each patched
# build recompiles only what its patch changed. The copy's package gets a version of
# its own: with the same name and version, cargo would write the copy's crate over the
# checkout's (same hash) and then take the checkout's for fresh, patched code and all.
#
# Usage: bash scripts/check-exercises.sh     (CI runs it after `cargo test`)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/userapi-exercises.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# Tracked files and new ones not ignored (so a local run checks the work in progress),
# without target/ or .git.
git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' file; do [ -e "$file" ] && printf '%s\0' "$file"; done |
  tar --null -T - -cf - | tar -xf - -C "$scratch"
cd "$scratch"
sed -i '0,/^version = "\(.*\)"$/s//version = "\1-exercises"/' Cargo.toml

patches=(docs/exercises/solutions/*.patch)
name_of() { basename "$1" .patch | sed 's/^[0-9]*-//'; }

echo "==> the tree as it is: every exercise check must fail"
set +e
before=$(cargo test --test exercises -- --ignored 2>&1)
set -e
failed=0
for patch in "${patches[@]}"; do
  name=$(name_of "$patch")
  if grep -q "^test $name \.\.\. FAILED" <<<"$before"; then
    echo "fails as it should: $name"
  else
    echo "$before" | tail -40
    echo "the check $name does not fail on the tree as it is (or does not exist)"
    failed=1
  fi
done
[ "$failed" = 0 ] || exit 1

for patch in "${patches[@]}"; do
  name=$(name_of "$patch")
  echo "==> with $patch: $name must pass"
  git apply "$patch"
  cargo test --test exercises -- --ignored --exact "$name"
  git apply -R "$patch"
done
# The copy's binary was linked to target/debug/userapi last; put the checkout's back.
(cd "$root" && cargo build --quiet)
echo "all ${#patches[@]} exercise checks fail without their exercise and pass with its solution"

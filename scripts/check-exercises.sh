#!/usr/bin/env bash
# Proves that docs/exercises.md's checks mean something, and that its reference
# solutions (docs/exercises/solutions/N-<test name>.patch) are right, on a scratch copy
# of this checkout:
#   1. on the tree as it is, every check (an ignored test in tests/exercises.rs) FAILS;
#   2. with each solution applied alone, its check PASSES and so does the suite, as
#      `cargo test` runs it, less the slow binaries below;
#   3. with every solution applied at once, every check passes and so do the slow
#      binaries and the doc tests; if one fails, it is run again with each solution
#      alone, to name the one that breaks it.
# So every test binary runs with every solution applied: a solution that breaks another
# test is a wrong solution, however well it passes its own check.
#
# The copy lives in the temp directory and is deleted on exit; the checkout is never
# touched. Builds share the checkout's target directory, so the dependencies are built
# once and each patched build recompiles only what its patch changed. The copy's package
# gets a version of its own: with the same name and version, cargo would write the
# copy's crate over the checkout's (same hash) and then take the checkout's for fresh,
# patched code and all.
#
# Usage: bash scripts/check-exercises.sh     (CI runs it after `cargo test`)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

# Test binaries (tests/<name>.rs or tests/<name>/main.rs) run once with every solution
# applied rather than once per solution: each takes over 20 s, six times over would put
# CI past its time, and the solutions are independent (they apply together).
slow=(
  reliability_input  # hostile input: bodies, JSON, paths (exercises 2 and 3 reach it)
  multi_host         # several hosts, a standby (exercise 4's pages reach standby_reads)
  reliability_faults # PostgreSQL killed and restarted, SIGTERM (exercise 4: lists in the drain)
  bounded_resources  # descriptors, chunk floods, stalled writers (exercises 3 and 4)
)

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
is_slow() { [[ " ${slow[*]} " == *" $1 "* ]]; }

# `--test` arguments for the test binaries that are (`slow`) or are not (`fast`) slow.
targets() {
  local file name kind
  for file in tests/*.rs tests/*/main.rs; do
    name=$(basename "${file%/main.rs}" .rs)
    if is_slow "$name"; then kind=slow; else kind=fast; fi
    [ "$kind" != "$1" ] || printf -- '--test\n%s\n' "$name"
  done
}
mapfile -t fast_targets < <(targets fast)
mapfile -t slow_targets < <(targets slow)

# A solution as its author would leave the tree: applied, and README.md's and docs/'s
# line links into src/ following the lines it moved (the link test still checks that
# every name they give exists).
apply() {
  git apply "$1"
  python3 scripts/relink-docs.py
}

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
  echo "==> with $patch alone: $name must pass, and the suite (less ${slow[*]})"
  started=$SECONDS
  apply "$patch"
  cargo test --test exercises -- --ignored --exact "$name"
  # Build as `cargo test` does (the examples, which tests/examples runs, included),
  # then run the unit tests and every binary that is not slow.
  if ! { cargo build --quiet --examples && cargo test --no-fail-fast --lib --bins "${fast_targets[@]}"; }; then
    echo "with $patch applied, the suite above fails: the solution breaks another test"
    exit 1
  fi
  git apply -R "$patch"
  echo "$name: passes, and the suite with it ($((SECONDS - started)) s)"
done

echo "==> with every solution at once: every check, and ${slow[*]} and the doc tests"
started=$SECONDS
for patch in "${patches[@]}"; do apply "$patch"; done
cargo test --test exercises -- --ignored
if ! cargo test --no-fail-fast "${slow_targets[@]}" || ! cargo test --doc; then
  echo "==> which solution breaks them: each alone"
  for patch in $(printf '%s\n' "${patches[@]}" | sort -r); do git apply -R "$patch"; done
  for patch in "${patches[@]}"; do
    apply "$patch"
    if cargo test --quiet --no-fail-fast "${slow_targets[@]}" >/dev/null 2>&1 && cargo test --quiet --doc >/dev/null 2>&1; then
      echo "passes with $patch alone"
    else
      echo "FAILS with $patch alone"
    fi
    git apply -R "$patch"
  done
  exit 1
fi
echo "all at once: passes ($((SECONDS - started)) s)"

# The copy's binaries were linked to target/debug/ last; put the checkout's back.
(cd "$root" && cargo build --quiet --bins --examples)
echo "all ${#patches[@]} exercise checks fail without their exercise and pass with its" \
  "solution, and the whole suite passes with each solution"

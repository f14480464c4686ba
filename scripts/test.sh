#!/usr/bin/env bash
# The README's second command: install what is needed, build the dev preset
# (ASan+UBSan, warnings as errors) and run every test, then the format and
# lint checks, the libFuzzer harnesses for a bounded time, and a release
# build of the benchmark tools so they cannot rot.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh

echo "== build (dev: ASan+UBSan, -Werror)"
cmake --preset dev >/dev/null
cmake --build --preset dev

echo "== tests"
ctest --preset dev

echo "== format and lint"
bash scripts/lint.sh

echo "== fuzz (bounded)"
bash scripts/fuzz.sh "${RCDS_FUZZ_SECONDS:-20}"

echo "== release build (sensor and benchmark tools)"
cmake --preset release >/dev/null
cmake --build --preset release

echo "all checks passed"

#!/usr/bin/env bash
# clang-format (must be clean) and clang-tidy (warnings are errors) over the
# project's own C/C++ sources. Needs build/dev/compile_commands.json.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t files < <(git ls-files '*.cc' '*.h' '*.c')
clang-format --dry-run -Werror "${files[@]}"
echo "clang-format: ${#files[@]} files clean"

mapfile -t sources < <(git ls-files 'src/*.cc' 'apps/*.cc')
# Two processes: the machine has two cores.
printf '%s\n' "${sources[@]}" |
  xargs -P 2 -n 4 clang-tidy -p build/dev --quiet 2>/dev/null
echo "clang-tidy: ${#sources[@]} files clean"

#!/usr/bin/env bash
# The MSNP session generator's captures agree with its own ground truth when
# read back through tshark's stream reassembly (tools/msnpgen/check_files.py),
# and the same seed gives byte-identical output.
set -euo pipefail
gen=$1
checker=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for seed in 1 42; do
  mkdir -p "$dir/$seed/files"
  "$gen" --scenario all --seed "$seed" --out "$dir/$seed/all.pcap" --truth "$dir/$seed/all.json" \
    --files "$dir/$seed/files"
  python3 "$checker" "$dir/$seed/all.pcap" "$dir/$seed/all.json" "$dir/$seed/files"
done
"$gen" --scenario all --seed 1 --out "$dir/again.pcap" --truth "$dir/again.json"
cmp "$dir/1/all.pcap" "$dir/again.pcap"
cmp "$dir/1/all.json" "$dir/again.json"
echo "msnpgen: captures match their ground truth; output is deterministic"

#!/usr/bin/env bash
# The README's first command: install what is needed, build the release
# preset and run the sensor on the sample captures kept in the repository.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target rcds

rcds=build/release/apps/rcds
for sample in live_escargot_msnpjs_msnp8.pcap suri_bug3286_rst_synack_evasion_linux.pcap; do
  echo
  echo "== rcds analyze testdata/pcaps/$sample"
  "$rcds" analyze "testdata/pcaps/$sample"
done

# The main job: lawful interception of the demo warrants' targets. Records
# go to the data directory (embedded default: local files).
data=${RCDS_DATA_DIR:-data}
records="$data/records"
rm -rf "$records"
mkdir -p "$data"
echo
echo "== rcds analyze testdata/pcaps/live_escargot_msnpjs_msnp8.pcap --warrant testdata/warrants/demo.yaml --records-dir $records"
"$rcds" analyze testdata/pcaps/live_escargot_msnpjs_msnp8.pcap \
  --warrant testdata/warrants/demo.yaml --records-dir "$records"
for transcript in "$records"/*/*.txt; do
  echo
  echo "== $transcript"
  cat "$transcript"
done

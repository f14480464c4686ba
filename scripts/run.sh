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

# The main job, end to end on embedded defaults: a LEMF on loopback (SQLite
# index and per-warrant files under data/lemf), the sensor intercepting the
# demo warrants' targets on a sample capture, spooling the records (data/spool)
# and delivering them as ETSI PS-PDUs over TCP; then the LEMF's report.
data=${RCDS_DATA_DIR:-data}
rm -rf "$data/records" "$data/lemf" "$data/spool"
mkdir -p "$data"
"$rcds" lemf --hi2 127.0.0.1:0 --hi3 127.0.0.1:0 --data "$data/lemf" 2>"$data/lemf.log" &
lemf_pid=$!
trap 'kill $lemf_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q listening "$data/lemf.log" 2>/dev/null && break; sleep 0.1; done
read -r hi2 hi3 < <(sed -n 's/.*hi2 port \([0-9]*\), hi3 port \([0-9]*\).*/\1 \2/p' "$data/lemf.log")
printf 'destinations:\n  - name: lemf-local\n    hi2: 127.0.0.1:%s\n    hi3: 127.0.0.1:%s\n    keepalive_batch_ms: 50\n' \
  "$hi2" "$hi3" > "$data/destinations.yaml"
echo
echo "== rcds lemf listening on 127.0.0.1:$hi2 (HI2) and :$hi3 (HI3), data in $data/lemf"
echo "== rcds analyze testdata/pcaps/live_escargot_msnpjs_msnp8.pcap --warrant testdata/warrants/demo.yaml --destinations $data/destinations.yaml"
"$rcds" analyze testdata/pcaps/live_escargot_msnpjs_msnp8.pcap \
  --warrant testdata/warrants/demo.yaml --destinations "$data/destinations.yaml" \
  --records-dir "$data/records" --spool-dir "$data/spool"
for transcript in "$data/records"/*/*.txt; do
  echo
  echo "== $transcript"
  cat "$transcript"
done
kill "$lemf_pid"
wait "$lemf_pid" 2>/dev/null || true
echo
echo "== rcds lemf-report --data $data/lemf"
"$rcds" lemf-report --data "$data/lemf"

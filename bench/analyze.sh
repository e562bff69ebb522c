#!/usr/bin/env bash
# Full `mic analyze` on the 255-slice RICORD chest CT and on a synthetic 512x512x300 chest phantom: per-stage times
# (report.json), wall time and peak memory, one Markdown row each. Run from the repository root after `npx tsc -b`;
# pinned to 2 cores when taskset exists. Usage: bash bench/analyze.sh [threads]  (KEEP=<dir> keeps the outputs)
set -euo pipefail
threads=${1:-2}
work=${KEEP:-$(mktemp -d)}
mkdir -p "$work"
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0,1)
node bench/chest-phantom.mjs "$work/phantom.nii.gz" 512 512 300 >/dev/null

run() {
  local name=$1 in=$2 out=$work/$1
  mkdir -p "$out"
  /usr/bin/time -v "${pin[@]}" node bin/mic.js analyze "$in" --out "$out" --threads "$threads" >"$out/stdout.txt" 2>"$out/time.txt"
  node -e '
    const [report, time, name, threads] = process.argv.slice(1);
    const t = JSON.parse(require("fs").readFileSync(report, "utf8")).timingsMs;
    const txt = require("fs").readFileSync(time, "utf8");
    const wall = txt.match(/Elapsed.*: (.*)/)[1];
    const rss = Number(txt.match(/Maximum resident set size \(kbytes\): (\d+)/)[1]) / 1024 / 1024;
    const s = (k) => (t[k] / 1000).toFixed(1) + " s";
    const cols = ["read", "lungs", "lesions", "refine", "quantify", "typicality", "write", "total"].map(s);
    console.log(`| ${name} | ${threads} | ${cols.join(" | ")} | ${wall} | ${rss.toFixed(2)} GB |`);
  ' "$out/report.json" "$out/time.txt" "$name" "$threads"
}

echo "| input | threads | read | lungs | lesions | refine | quantify | typicality | write | total | wall | peak RSS |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
run ricord ../shared/data/ricord-1a-419639-000082/dicom
run phantom "$work/phantom.nii.gz"
[ -n "${KEEP:-}" ] || rm -rf "$work"

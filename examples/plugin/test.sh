#!/usr/bin/env bash
# Builds this package's own `tally` (Tally's standard plugins plus the example plugin) and
# checks what it does: the plugin is listed, its function checks, its loader loads (and counts
# the malformed line), and its reporter writes the expected Markdown. Run by Tally's .ci/run.
set -euo pipefail
cd "$(dirname "$0")"
swift build --product my-tally
bin=.build/debug/my-tally
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

$bin plugins | grep -q '^jsonlines-example: '
$bin plugins | grep -q 'function    bmi(Quantity, Quantity): Decimal'
$bin check measures/office-visits.measure
$bin load data > "$out/load.txt"
diff -u expected/load.txt "$out/load.txt"
$bin run data --measures measures --format markdown --format text --out "$out/report"
diff -u expected/summary.md "$out/report/summary.md"
echo "example plugin: ok"

#!/usr/bin/env bash
# Runs the Rego unit tests (rego/**/*_test.rego), then measures coverage of the policy files
# (test files excluded) and fails under the threshold.
# Usage: scripts/policy-test.sh   (env MANDATE_POLICY_MIN_COVERAGE, default 90)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MIN="${MANDATE_POLICY_MIN_COVERAGE:-90}"
OPA="$(bash "$ROOT/scripts/install-opa.sh")"

cd "$ROOT"
"$OPA" test --bundle rego/ -v

report="$(mktemp)"
trap 'rm -f "$report"' EXIT
"$OPA" test --bundle --coverage --format=json rego/ >"$report"

# Covered/total lines over the policy files only: a test file covering itself says nothing.
node - "$report" "$MIN" <<'JS'
const fs = require('node:fs');
const [, , path, min] = process.argv;
const report = JSON.parse(fs.readFileSync(path, 'utf8'));
let covered = 0;
let notCovered = 0;
for (const [file, info] of Object.entries(report.files ?? {})) {
  if (file.endsWith('_test.rego')) continue;
  const lines = (ranges) => (ranges ?? []).reduce((n, r) => n + (r.end.row - r.start.row + 1), 0);
  const c = lines(info.covered);
  const u = lines(info.not_covered);
  covered += c;
  notCovered += u;
  for (const r of info.not_covered ?? []) console.log(`not covered: ${file}:${r.start.row}-${r.end.row}`);
}
const pct = covered + notCovered === 0 ? 0 : (100 * covered) / (covered + notCovered);
console.log(`policy coverage: ${pct.toFixed(2)}% (minimum ${min}%)`);
if (pct < Number(min)) process.exit(1);
JS

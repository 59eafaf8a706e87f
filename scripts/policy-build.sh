#!/usr/bin/env bash
# Rebuilds the default policy bundle the repository ships, bundles/default.tar.gz, from rego/ with
# `mandate policy build` (needs the OPA CLI: scripts/install-opa.sh). The revision is the digest of
# the sources, so the same rego/ gives the same bundle on any machine.
#   scripts/policy-build.sh            rebuild bundles/default.tar.gz   (npm run policy:build)
#   scripts/policy-build.sh --verify   fail unless bundles/default.tar.gz is what rego/ builds (npm run policy:verify, CI)
#   scripts/policy-build.sh OUT.tar.gz build the same bundle to OUT.tar.gz (the side-by-side harness, ../shared/perf)
# To build your own policy folder: mandate policy build DIR (rego/README.md "Commands").
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OPA="$(bash "$ROOT/scripts/install-opa.sh")"
cd "$ROOT"
args=(policy build rego --content-revision --opa "$OPA")
if [[ "${1:-}" == "--verify" ]]; then
  args+=(--verify-against bundles/default.tar.gz)
elif [[ $# -eq 1 && "$1" != -* ]]; then
  args+=(-o "$1")
elif [[ $# -gt 0 ]]; then
  echo "usage: scripts/policy-build.sh [--verify | OUT.tar.gz]" >&2
  exit 2
else
  args+=(-o bundles/default.tar.gz)
fi
exec node --import tsx src/cli.ts "${args[@]}"

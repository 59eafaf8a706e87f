#!/usr/bin/env bash
# Builds the default policy (rego/) into an OPA bundle with a WebAssembly target:
#   build/policy/bundle.tar.gz  (policy.wasm, data.json, .manifest[, .signatures.json])
# Usage: scripts/policy-build.sh [output.tar.gz]   (or MANDATE_POLICY_BUNDLE=path)
# Optional env:
#   MANDATE_POLICY_SRC           policy source directory (default: rego/)
#   MANDATE_POLICY_SIGNING_KEY   PEM private key file: sign the bundle (.signatures.json)
#   MANDATE_POLICY_SIGNING_ALG   override the signing algorithm (default from the key: ES256/RS256)
#   MANDATE_POLICY_REVISION      override the revision string
# The service verifies signatures per OPA's bundle signing format
# (https://www.openpolicyagent.org/docs/management-bundles#signing).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-${MANDATE_POLICY_BUNDLE:-$ROOT/build/policy/bundle.tar.gz}}"
SRC="${MANDATE_POLICY_SRC:-$ROOT/rego}"
ENTRYPOINT="mcp/authz/decision"

OPA="$(bash "$ROOT/scripts/install-opa.sh")"

if [[ -n "${MANDATE_POLICY_REVISION:-}" ]]; then
  revision="$MANDATE_POLICY_REVISION"
elif sha="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)"; then
  # A dirty policy tree is marked so that a decision log never claims a clean commit.
  if [[ -n "$(git -C "$ROOT" status --porcelain -- "$SRC" 2>/dev/null)" ]]; then
    revision="$sha-dirty-$(date -u +%Y%m%dT%H%M%SZ)"
  else
    revision="$sha"
  fi
else
  revision="$(date -u +%Y%m%dT%H%M%SZ)"
fi

sign_args=()
if [[ -n "${MANDATE_POLICY_SIGNING_KEY:-}" ]]; then
  key="$MANDATE_POLICY_SIGNING_KEY"
  if [[ ! -r "$key" ]]; then
    echo "policy-build: MANDATE_POLICY_SIGNING_KEY=$key is not a readable file" >&2
    exit 1
  fi
  alg="${MANDATE_POLICY_SIGNING_ALG:-}"
  if [[ -z "$alg" ]]; then
    if grep -q "BEGIN EC PRIVATE KEY" "$key" || openssl pkey -in "$key" -noout -text 2>/dev/null | grep -q "ASN1 OID: prime256v1"; then
      alg=ES256
    else
      alg=RS256
    fi
  fi
  sign_args=(--signing-key "$key" --signing-alg "$alg")
fi

mkdir -p "$(dirname "$OUT")"
tmp="$OUT.tmp.$$"
trap 'rm -f "$tmp"' EXIT

case "$tmp" in /*) ;; *) tmp="$PWD/$tmp" ;; esac
# Tests and their fixtures stay out of the bundle: *_test.rego and anything under a testdata dir.
# Built from inside SRC so that module paths in the bundle are relative (no build-host paths).
(
  cd "$SRC"
  "$OPA" build --bundle -t wasm -e "$ENTRYPOINT" \
    --ignore '*_test.rego' --ignore 'testdata' \
    --revision "$revision" \
    ${sign_args[@]+"${sign_args[@]}"} \
    -o "$tmp" .
)

# Atomic replace: a running service watching the file never reads a half-written bundle.
mv -f "$tmp" "$OUT"
trap - EXIT
echo "$OUT (revision $revision)"

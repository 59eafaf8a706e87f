#!/usr/bin/env bash
# Builds the pinned Ory Hydra v2 from the Go module proxy into .tools/bin/hydra (git-ignored) and
# prints its path; the connector tests (test/e2e/connectors-jwt-bearer.e2e.test.ts) run it as the
# RFC 7523 authorization server no one here wrote. Already built at that version → done.
# Not `go install github.com/ory/hydra/v2@v…`: its go.mod has `replace` directives, which
# `go install pkg@version` refuses. The module is fetched with `go mod download`, copied, the
# `replace` of hydra-client-go (a sub-directory not in the module zip) dropped in favour of the same
# version from the proxy, and built with `go build` (the ory/pop replace resolves as written).
# Several minutes on two cores the first time; the build log is .tools/hydra-build.log.
set -euo pipefail

HYDRA_VERSION="${HYDRA_VERSION:-v2.3.0}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN_DIR="$ROOT/.tools/bin"
TARGET="$BIN_DIR/hydra"
export PATH="$PATH:/usr/local/go/bin"

have="$("$TARGET" version 2>/dev/null | awk '/^Version:/ { print $2; exit }' || true)"
if [[ -x "$TARGET" && "$have" == "$HYDRA_VERSION" ]]; then
  echo "$TARGET"
  exit 0
fi
command -v go >/dev/null 2>&1 || { echo "install-hydra: go is needed to build Hydra" >&2; exit 1; }

mkdir -p "$BIN_DIR"
echo "install-hydra: building Ory Hydra $HYDRA_VERSION from the Go module proxy" >&2
dir="$(cd /tmp && go mod download -json "github.com/ory/hydra/v2@$HYDRA_VERSION" | awk -F'"' '/"Dir":/ { print $4 }')"
src="$(mktemp -d)/hydra-$HYDRA_VERSION"
cp -r "$dir" "$src"
chmod -R u+w "$src"
(
  cd "$src"
  go mod edit -dropreplace github.com/ory/hydra-client-go/v2
  GOFLAGS=-mod=mod GOTOOLCHAIN=local go build \
    -ldflags "-X github.com/ory/hydra/v2/driver/config.Version=$HYDRA_VERSION -X github.com/ory/hydra/v2/driver/config.Commit=module-proxy" \
    -o "$TARGET.tmp" .
) >"$ROOT/.tools/hydra-build.log" 2>&1 || { echo "install-hydra: build failed, see .tools/hydra-build.log" >&2; exit 1; }
mv "$TARGET.tmp" "$TARGET"
rm -rf "$(dirname "$src")"
echo "$TARGET"

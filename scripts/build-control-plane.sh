#!/usr/bin/env bash
# Builds the real Kubernetes components the integration tests run against, from their Go modules, into a cache
# outside the clone (BULKHEAD_CACHE, default ~/.cache/bulkhead). Idempotent: a built binary is never rebuilt.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/control-plane-versions.sh
. "$root/scripts/control-plane-versions.sh"

mkdir -p "$BULKHEAD_BIN" "$BULKHEAD_TOOLS_BIN"
log() { printf '[cluster:build] %s\n' "$*" >&2; }

if ! command -v go >/dev/null 2>&1; then
  log "Go is not installed; it is needed only to build the test control plane (see README.md)."
  exit 1
fi

# install OUTPUT PACKAGE@VERSION: a module without replace directives, built straight from the module proxy.
install() {
  local out=$1 pkg=$2
  if [ -x "$BULKHEAD_TOOLS_BIN/$out" ]; then
    log "$out: cached at $BULKHEAD_TOOLS_BIN/$out"
    return
  fi
  log "$out: building $pkg; a cold build takes a minute or two"
  local start=$SECONDS tmp
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && CGO_ENABLED=0 GOBIN="$tmp" go install -trimpath -ldflags "-s -w" "$pkg"); then
    log "$out: FAILED to build $pkg (see the Go errors above)"
    rm -rf "$tmp"
    exit 1
  fi
  mv "$tmp/$(basename "${pkg%@*}")" "$BULKHEAD_TOOLS_BIN/$out"
  rm -rf "$tmp"
  log "$out: built in $((SECONDS - start)) s"
}

# build MODULE_DIR OUTPUT PACKAGE [LDFLAGS]
build() {
  local dir=$1 out=$2 pkg=$3 ldflags=${4:-}
  if [ -x "$BULKHEAD_BIN/$out" ]; then
    log "$out: cached at $BULKHEAD_BIN/$out"
    return
  fi
  log "$out: building $pkg (module $dir); a cold build takes several minutes"
  local start=$SECONDS
  if ! (cd "$root/$dir" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w $ldflags" \
      -o "$BULKHEAD_BIN/$out.partial" "$pkg"); then
    log "$out: FAILED to build $pkg in $dir (see the Go errors above)"
    rm -f "$BULKHEAD_BIN/$out.partial"
    exit 1
  fi
  mv "$BULKHEAD_BIN/$out.partial" "$BULKHEAD_BIN/$out"
  log "$out: built in $((SECONDS - start)) s"
}

k8s_ldflags="-X k8s.io/component-base/version.gitVersion=v$KUBERNETES_VERSION \
-X k8s.io/component-base/version.gitMajor=${KUBERNETES_VERSION%%.*} \
-X k8s.io/component-base/version.gitMinor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2) \
-X k8s.io/component-base/version.gitTreeState=clean"

build tools/etcd etcd go.etcd.io/etcd/server/v3
build tools/k8s kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$k8s_ldflags"
build tools/k8s kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager "$k8s_ldflags"
# The README's install steps use kubectl; the tests run them with this one, the same version as the API server.
build tools/k8s kubectl k8s.io/kubernetes/cmd/kubectl "$k8s_ldflags"
# Interoperability: the real Sealed Secrets controller and kubeseal, and real Helm.
install sealed-secrets-controller "github.com/bitnami-labs/sealed-secrets/cmd/controller@v$SEALED_SECRETS_VERSION"
install kubeseal "github.com/bitnami-labs/sealed-secrets/cmd/kubeseal@v$SEALED_SECRETS_VERSION"
install helm "helm.sh/helm/v4/cmd/helm@v$HELM_VERSION"
log "all components ready in $BULKHEAD_BIN and $BULKHEAD_TOOLS_BIN"

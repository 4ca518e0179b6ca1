# The pinned versions of the test control plane and the interoperability tools, and where their binaries are cached.
# Sourced by the scripts; the TypeScript harness (test/support/control-plane/versions.ts) parses this same file.
KUBERNETES_VERSION=1.36.3
ETCD_VERSION=3.6.8
SEALED_SECRETS_VERSION=0.36.6
HELM_VERSION=4.3.1
BULKHEAD_CACHE=${BULKHEAD_CACHE:-$HOME/.cache/bulkhead}
BULKHEAD_BIN=${BULKHEAD_BIN:-$BULKHEAD_CACHE/bin/k8s-v$KUBERNETES_VERSION-etcd-v$ETCD_VERSION}
BULKHEAD_TOOLS_BIN=${BULKHEAD_TOOLS_BIN:-$BULKHEAD_CACHE/bin/sealed-secrets-v$SEALED_SECRETS_VERSION-helm-v$HELM_VERSION}
export KUBERNETES_VERSION ETCD_VERSION SEALED_SECRETS_VERSION HELM_VERSION BULKHEAD_CACHE BULKHEAD_BIN BULKHEAD_TOOLS_BIN

# The pinned versions of the test control plane, and where their binaries are cached. Sourced by the scripts;
# the TypeScript harness reads the same values from test/support/control-plane-versions.ts... keep them equal.
KUBERNETES_VERSION=1.36.3
ETCD_VERSION=3.6.8
BULKHEAD_CACHE=${BULKHEAD_CACHE:-$HOME/.cache/bulkhead}
BULKHEAD_BIN=${BULKHEAD_BIN:-$BULKHEAD_CACHE/bin/k8s-v$KUBERNETES_VERSION-etcd-v$ETCD_VERSION}
export KUBERNETES_VERSION ETCD_VERSION BULKHEAD_CACHE BULKHEAD_BIN

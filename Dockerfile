# syntax=docker/dockerfile:1
# The Bulkhead operator image: Node 24 running one bundled file (dist/bulkhead.mjs, `npm run bundle`) on a distroless
# base, as the nonroot user. Built for linux/amd64 and linux/arm64 by .github/workflows/release.yml.
#
# Base images are pinned by digest: a tag can be moved to other bytes, a digest cannot. Dependabot
# (.github/dependabot.yml) proposes new digests; by hand: `docker buildx imagetools inspect node:24-bookworm-slim`
# and `docker buildx imagetools inspect gcr.io/distroless/nodejs24-debian12:nonroot` print the current ones.

# Build stage, on the builder's own platform: the bundle is plain JavaScript, the same for every target.
FROM --platform=$BUILDPLATFORM node:24-bookworm-slim@sha256:a9f5f7c91a432850b2a8a7797adf5eadb6c733ceed61167806cee7ea7fbc29df AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: esbuild finds its binary in its platform package, and this image already has Node 24 (the
# `node` dev dependency's download is for clones on machines without it).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/bundle.ts scripts/
COPY src/ src/
RUN node scripts/bundle.ts

# Runtime stage: no shell, no package manager, no node_modules: Node 24 and the bundle, which holds only the code the
# CLI reaches from production dependencies. The nonroot user (65532) is what the chart's Pod Security context expects.
FROM gcr.io/distroless/nodejs24-debian12:nonroot@sha256:14d42e2511532589a7c7e01a753667a74fcc96266e137e8125006b87b0c32d0a
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
ARG SOURCE=unknown
LABEL org.opencontainers.image.title="bulkhead" \
      org.opencontainers.image.description="A Kubernetes operator that isolates AI agents: one AgentPolicy becomes its isolation envelope." \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.base.name="gcr.io/distroless/nodejs24-debian12:nonroot"
WORKDIR /app
COPY --from=build /src/dist/bulkhead.mjs /app/bulkhead.mjs
# Memory (issue 8; `npm run bench` runs the operator with this ENV and these flags, docs/benchmarks.md "Memory").
# Node 24's V8 keeps the heap pages a collection frees in a pool, resident, until a memory-reducing collection, which a
# process that never stops allocating (watches, resyncs, the Lease) seldom gets: RSS stays at the heap's peak, not its
# live size. --max-semi-space-size=4 bounds the young generation (8 MiB instead of 128, filled by the short-lived JSON
# of list and watch responses); --heap-growing-percent=50 lets the old generation grow to 1.5 times its live size
# before a full collection instead of up to 4 times. RSS after converging 1,000 policies 594 -> 290 MiB (482 -> 220 at
# rest), operator CPU about the same. --optimize-for-size and --memory-saver-mode reach 191 and 158 MiB but about
# double the operator's CPU, converging and at rest. The heap limit is 75% of the memory the container may use
# (--max-old-space-size-percentage reads the cgroup's limit), not V8's default of about half: the live heap grows
# about 50 MiB per 1,000 policies, and the chart's values say how to size the limit.
# --expose-gc lets the operator run a memory-reducing collection once its queues have been idle after a burst
# (src/controller/heap-reclaimer.ts): V8 gives the freed pages back then, instead of keeping RSS at the burst's peak.
# MALLOC_ARENA_MAX=2: glibc's malloc otherwise keeps up to 8 arenas per CPU for Node's threads (about -10 MiB).
ENV NODE_ENV=production MALLOC_ARENA_MAX=2
USER 65532:65532
EXPOSE 8081
# `bulkhead controller` by default; `docker run IMAGE render -f -` runs any other command.
ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=4", "--heap-growing-percent=50", "--max-old-space-size-percentage=75", "--expose-gc", "/app/bulkhead.mjs"]
CMD ["controller"]

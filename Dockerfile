# syntax=docker/dockerfile:1
#
# One image for the four macaque services and the fleet simulator; the command
# picks which one runs:
#   node services/producer/dist/main.js       (the default)
#   node services/terminator/dist/main.js
#   node services/recovery-monitor/dist/main.js
#   node services/notifier/dist/main.js
#   node sandbox/fleet-sim/dist/main.js       (EC2 + Auto Scaling stand-in, for compose)
#   node sandbox/scheduler-sim/dist/main.js   (EventBridge Scheduler stand-in, for compose)
#   node deploy/init.ts                       (compose's one-shot topology set-up)

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- manifests: the root and every workspace's package.json, and the lockfile -
# Copied first into build and deps, so their dependency layers are reused until
# one of these files changes.
FROM scratch AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY sandbox/fleet-sim/package.json sandbox/fleet-sim/
COPY sandbox/stack/package.json sandbox/stack/
COPY sandbox/ses-front/package.json sandbox/ses-front/
COPY sandbox/scheduler-sim/package.json sandbox/scheduler-sim/
COPY services/producer/package.json services/producer/
COPY services/terminator/package.json services/terminator/
COPY services/recovery-monitor/package.json services/recovery-monitor/
COPY services/notifier/package.json services/notifier/
COPY infra/package.json infra/
COPY cli/package.json cli/

# ---- build: the same `npm ci` and `npm run build` (tsc -b) as CI -------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=manifests /app ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# ---- deps: production dependencies of what the image runs, nothing else ------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY --from=manifests /app ./
# npm counts a workspace's devDependencies as the root's own dependencies, so
# --omit=dev alone would still bring the sandbox (fauxqs, aws-ses-v2-local) in.
# Dropping them from the manifests first leaves exactly the runtime tree.
RUN npm pkg delete devDependencies \
      -w sandbox/scheduler-sim -w services/producer -w services/terminator \
      -w services/recovery-monitor -w services/notifier \
 && npm ci --omit=dev --no-audit --no-fund \
      -w shared -w sandbox/fleet-sim -w sandbox/scheduler-sim \
      -w services/producer -w services/terminator \
      -w services/recovery-monitor -w services/notifier \
 && npm cache clean --force

# ---- runtime -----------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# tini as PID 1 forwards SIGTERM to Node (which then drains its consumers) and
# reaps zombies; Node as PID 1 would ignore signals it has no handler for.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
# Memory (`npm run bench` measures it; the sandbox runs dist/ with the same
# settings, sandbox/stack/src/services.ts):
# - a 1 MB young generation (V8's default is 16): ~12 MiB less per process, for
#   a few more, shorter scavenges;
# - a 256 MB old generation: without a limit V8 sizes the heap from the host's
#   memory (4 GB on a 24 GB machine) and lets it grow to about three times what
#   survives a full collection before collecting; under 256 MB it stays within
#   ~1.4 times, 75-100 MiB less per service at 1,000 concurrent experiments.
#   The limit leaves room: at that load no service kept more than 44 MB after a
#   full collection, and what it keeps grows with QUEUE_CONCURRENCY and
#   WORKER_CONCURRENCY, not with the number of experiments; 256 MB plus the
#   ~90 MiB outside the heap fits the task's 512 MiB;
# - two malloc arenas: glibc gives each thread that allocates (V8's GC and
#   compiler workers, libuv's pool) an arena of its own, up to 8 per core, and
#   each keeps what was freed in it; 2-15 MiB less at that load.
ENV NODE_ENV=production \
    HTTP_PORT=8080 \
    NODE_OPTIONS="--max-semi-space-size=1 --max-old-space-size=256" \
    MALLOC_ARENA_MAX=2
WORKDIR /app
# Root-owned and read-only for the `node` user that runs everything.
COPY --from=deps /app ./
COPY --from=build /app/shared/dist shared/dist
COPY --from=build /app/sandbox/fleet-sim/dist sandbox/fleet-sim/dist
COPY --from=build /app/sandbox/scheduler-sim/dist sandbox/scheduler-sim/dist
COPY --from=build /app/services/producer/dist services/producer/dist
COPY --from=build /app/services/terminator/dist services/terminator/dist
COPY --from=build /app/services/recovery-monitor/dist services/recovery-monitor/dist
COPY --from=build /app/services/notifier/dist services/notifier/dist
COPY deploy/init.ts deploy/healthcheck.ts deploy/demo-fleet.json deploy/
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "deploy/healthcheck.ts"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "services/producer/dist/main.js"]

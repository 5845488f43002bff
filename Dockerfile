# sanso — the HTTP service in a container (docs/http-api.md, "In a container").
#
#   docker build -t sanso .
#   docker run -p 8080:8080 \
#     -v "$PWD/rules:/etc/sanso/rules:ro" \
#     -v "$PWD/tokens.yaml:/etc/sanso/tokens/tokens.yaml:ro" sanso
#
# It listens on 0.0.0.0:8080 and refuses to start without tokens (SANSO_TOKENS_FILE, or the
# list itself in SANSO_TOKENS), and without a rule set mounted at /etc/sanso/rules (set
# SANSO_SERVE_SAMPLE=1 to serve the bundled sample city instead). Rules are reloaded when they
# change: deploy them atomically (docs/service.md, "Deploying rule files safely").
#
# Base image: Node 24, an LTS line (maintained until April 2028), on Debian 13 (trixie).
# Node 26 is due to become the active LTS in late October 2026; the registries reachable when
# this was written (npm, Sep 2026) could not confirm it, so move to node:26 once it has.
# Pin by digest when building for production (docker buildx imagetools inspect
# node:24-trixie-slim prints it); no digest could be looked up where this was written.

# ── build: compile TypeScript with the dev dependencies ─────────────────────────────────
FROM node:24-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
# The validator and the checker import their JSON Schemas.
COPY schemas ./schemas
COPY console ./console
RUN npm run build

# ── runtime: production dependencies, compiled JavaScript, schemas, rules ───────────────
FROM node:24-trixie-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY schemas ./schemas
COPY console ./console
# The sample city, served only when asked (SANSO_SERVE_SAMPLE=1): see docker/entrypoint.sh.
COPY rules /usr/share/sanso/sample-rules
COPY docker/entrypoint.sh /usr/local/bin/sanso-entrypoint

ENV HOST=0.0.0.0 \
    PORT=8080 \
    SANSO_TOKENS_FILE=/etc/sanso/tokens/tokens.yaml
# The image's own user (uid 1000), not root; it only needs to read /app and /etc/sanso.
USER node
EXPOSE 8080
# slim has no curl: Node's fetch does the probe.
HEALTHCHECK --interval=30s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The entrypoint execs node, so node is PID 1 and gets SIGTERM directly: sanso finishes requests
# in flight (cutting any left after --shutdown-timeout, 20 s), then exits 0.
ENTRYPOINT ["/usr/local/bin/sanso-entrypoint"]
CMD ["serve", "--rules", "/etc/sanso/rules"]

# sanso — the HTTP service in a container (docs/http-api.md, "In a container").
#
#   docker build -t sanso .
#   docker run -p 8080:8080 \
#     -v "$PWD/rules:/etc/sanso/rules:ro" \
#     -v "$PWD/tokens.yaml:/etc/sanso/tokens/tokens.yaml:ro" sanso
#
# It listens on 0.0.0.0:8080 and refuses to start without tokens (SANSO_TOKENS_FILE, or the
# list itself in SANSO_TOKENS). Rules are read from /etc/sanso/rules (the bundled sample city
# until you mount yours over it) and reloaded when they change.

# ── build: compile TypeScript with the dev dependencies ─────────────────────────────────
FROM node:20-slim AS build
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
FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY schemas ./schemas
COPY console ./console
COPY rules /etc/sanso/rules

ENV HOST=0.0.0.0 \
    PORT=8080 \
    SANSO_TOKENS_FILE=/etc/sanso/tokens/tokens.yaml
# The image's own user (uid 1000), not root; it only needs to read /app and /etc/sanso.
USER node
EXPOSE 8080
# slim has no curl: Node's fetch does the probe.
HEALTHCHECK --interval=30s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node as PID 1 gets SIGTERM directly: sanso finishes requests in flight, then exits 0.
ENTRYPOINT ["node", "dist/bin/sanso.js"]
CMD ["serve", "--rules", "/etc/sanso/rules"]

# syntax=docker/dockerfile:1
# One image recipe for all five Accord apps; pick the app with the build arg APP:
#   docker build --build-arg APP=hub-api -t accord/hub-api .
# (docker-compose.yml does this for every app; the build stages are shared through the cache.)
# Apps: hub-api, sharing-broker, adult-social-care, public-health, revenues-benefits.

# Node 24: an LTS line, maintained until April 2028 (Node 20 is past its end of life).
# package.json's engines names the Node lines the project is tested on; this is one of them.
ARG NODE_IMAGE=node:24-bookworm-slim

# --- dependencies (dev included: the build needs TypeScript) ---------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund

# --- compile every app and lib to dist/ ---------------------------------------------------
FROM deps AS build
COPY tsconfig.base.json tsconfig.build.json tsconfig.json nest-cli.json .swcrc ./
COPY libs ./libs
COPY apps ./apps
RUN npm run build

# --- production dependencies only ---------------------------------------------------------
FROM deps AS prod-deps
RUN npm prune --omit=dev --no-audit --no-fund

# --- runtime --------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG APP
ENV NODE_ENV=production \
    ACCORD_APP=${APP} \
    ACCORD_AGREEMENTS_DIR=/app/infra/agreements
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# package.json's scripts run here too: with no sources in the image, `npm run audit:verify`
# runs the compiled dist/apps/hub-api/src/cli/audit-verify.js without building first.
COPY package.json ./
# The reference participants and agreements: kafka-security's `pki` makes the participants'
# identities from participants.yaml, and apply-agreements.js registers them and applies the
# agreements through hub-api (docker-compose's apply-agreements step).
COPY infra/agreements ./infra/agreements
COPY scripts/apply-agreements.js ./scripts/apply-agreements.js
RUN if [ -z "$ACCORD_APP" ] || [ ! -f "dist/apps/$ACCORD_APP/src/main.js" ]; then \
      echo "build with --build-arg APP=<hub-api|sharing-broker|adult-social-care|public-health|revenues-benefits> (got '$ACCORD_APP')" >&2; \
      exit 1; \
    fi
USER node
# `exec` replaces the shell with node, so SIGTERM from `docker stop` reaches the app.
CMD ["sh", "-c", "exec node dist/apps/$ACCORD_APP/src/main.js"]

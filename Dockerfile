# Airbyte custom connector image for source-asana-export.
# Build: docker build -t airbyte/source-asana-export:0.1.0 .
FROM node:20-bookworm-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY schemas ./schemas
COPY spec.json ./
RUN npx tsc -p tsconfig.json && npm prune --omit=dev

FROM node:20-bookworm-slim
LABEL io.airbyte.name=airbyte/source-asana-export
LABEL io.airbyte.version=0.1.0
RUN groupadd --system airbyte && useradd --system --gid airbyte --home-dir /airbyte --create-home airbyte
WORKDIR /airbyte/integration_code
COPY --from=build --chown=airbyte:airbyte /build/package.json ./
COPY --from=build --chown=airbyte:airbyte /build/node_modules ./node_modules
COPY --from=build --chown=airbyte:airbyte /build/dist/src ./dist/src
COPY --from=build --chown=airbyte:airbyte /build/schemas ./schemas
COPY --from=build --chown=airbyte:airbyte /build/spec.json ./
ENV NODE_ENV=production
ENV AIRBYTE_ENTRYPOINT="node /airbyte/integration_code/dist/src/cli/source-main.js"
USER airbyte
ENTRYPOINT ["node", "/airbyte/integration_code/dist/src/cli/source-main.js"]

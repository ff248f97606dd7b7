# Airbyte custom connector image for source-asana-export.
# Build: docker build -t asana-export/source-asana-export:0.1.0 .
# Node 24 LTS is the primary target; metadata.yaml's connectorBuildOptions.baseImage names the same base.
FROM node:24-bookworm-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY schemas ./schemas
COPY spec.json ./
RUN npx tsc -p tsconfig.json && npm prune --omit=dev

FROM node:24-bookworm-slim
LABEL io.airbyte.name=asana-export/source-asana-export
LABEL io.airbyte.version=0.1.0
# Airbyte runs connector containers as uid 1000 (its base images' user `airbyte`). The node images
# already give uid and gid 1000 to `node`: remove both (userdel removes the group only where
# login.defs says USERGROUPS_ENAB yes) so `airbyte` can have them.
RUN userdel --remove node \
  && { ! getent group node > /dev/null || groupdel node; } \
  && groupadd --gid 1000 airbyte \
  && useradd --uid 1000 --gid 1000 --home-dir /airbyte --create-home --shell /usr/sbin/nologin airbyte
WORKDIR /airbyte/integration_code
COPY --from=build --chown=airbyte:airbyte /build/package.json ./
COPY --from=build --chown=airbyte:airbyte /build/node_modules ./node_modules
COPY --from=build --chown=airbyte:airbyte /build/dist/src ./dist/src
COPY --from=build --chown=airbyte:airbyte /build/schemas ./schemas
COPY --from=build --chown=airbyte:airbyte /build/spec.json ./
ENV NODE_ENV=production
ENV AIRBYTE_ENTRYPOINT="node /airbyte/integration_code/dist/src/cli/source-main.js"
USER 1000:1000
ENTRYPOINT ["node", "/airbyte/integration_code/dist/src/cli/source-main.js"]

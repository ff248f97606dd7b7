// Docker cannot build here, so the facts Airbyte relies on are checked in the files themselves:
// the Dockerfile, metadata.yaml (against the facts of Airbyte's metadata schema) and package.json.
import { existsSync, readFileSync } from "node:fs";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { STREAM_NAMES } from "../../src/streams/index.js";

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const root = new URL("../../", import.meta.url);
const dockerfile = readFileSync(new URL("Dockerfile", root), "utf8");
const metadata = parse(readFileSync(new URL("metadata.yaml", root), "utf8")) as { data: Record<string, unknown> };
const data = metadata.data;
const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as { version: string; bin: Record<string, string>; engines: { node: string } };

describe("Airbyte packaging", () => {
  it("is multi-stage on Node 24 LTS slim and runs as uid 1000 (user airbyte), numerically so Kubernetes can verify non-root", () => {
    const froms = dockerfile.match(/^FROM .+$/gm) ?? [];
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) expect(f).toMatch(/^FROM node:24-bookworm-slim( AS \w+)?$/);
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    expect(dockerfile).toMatch(/useradd --uid 1000 --gid 1000 .*airbyte$/m);
    // The node images give uid 1000 to `node`; useradd --uid 1000 fails unless it is removed first.
    expect(dockerfile).toMatch(/userdel --remove node/);
    expect(dockerfile.indexOf("userdel")).toBeLessThan(dockerfile.indexOf("useradd"));
  });

  it("sets AIRBYTE_ENTRYPOINT equal to an absolute ENTRYPOINT that exists in the image", () => {
    const env = /^ENV AIRBYTE_ENTRYPOINT="(.+)"$/m.exec(dockerfile)?.[1];
    const entry = /^ENTRYPOINT (\[.+\])$/m.exec(dockerfile)?.[1];
    expect(env).toBeDefined();
    const argv = JSON.parse(entry ?? "[]") as string[];
    expect(argv.join(" ")).toBe(env);
    expect(argv[1]).toMatch(/^\/airbyte\/integration_code\/dist\/src\/cli\/source-main\.js$/);
    expect(pkg.bin["source-asana-export"]).toBe("dist/src/cli/source-main.js");
    expect(dockerfile).toMatch(/COPY --from=build .*\/build\/dist\/src \.\/dist\/src/);
  });

  it("labels match metadata.yaml and package.json; the image is outside Airbyte's own namespace", () => {
    const name = /^LABEL io\.airbyte\.name=(.+)$/m.exec(dockerfile)?.[1];
    const version = /^LABEL io\.airbyte\.version=(.+)$/m.exec(dockerfile)?.[1];
    expect(name).toBe(data.dockerRepository);
    expect(version).toBe(data.dockerImageTag);
    expect(version).toBe(pkg.version);
    expect(String(data.dockerRepository)).not.toMatch(/^(docker\.io\/)?airbyte\//);
    // Docker's reference grammar: lower-case path components separated by '/'.
    expect(String(data.dockerRepository)).toMatch(/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)+$/);
  });

  it("runs on the Node versions CI tests (20.19+, 24)", () => {
    expect(pkg.engines.node).toBe(">=20.19");
  });
});

describe("metadata.yaml", () => {
  const schema = parse(readFileSync(new URL("test/fixtures/airbyte-connector-metadata-v0.yaml", root), "utf8")) as Record<string, unknown>;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);

  it("is a valid ConnectorMetadataDefinitionV0 (the facts of Airbyte's published schema)", () => {
    expect(validate(metadata), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it("would be refused with a missing required key, an unknown key or a value outside an enum", () => {
    const without = (key: string): unknown => ({ ...metadata, data: Object.fromEntries(Object.entries(data).filter(([k]) => k !== key)) });
    expect(validate(without("connectorSubtype"))).toBe(false);
    expect(validate({ ...metadata, data: { ...data, dockerImage: "x" } })).toBe(false);
    expect(validate({ ...metadata, data: { ...data, supportLevel: "gold" } })).toBe(false);
    expect(validate({ ...metadata, data: { ...data, releases: { rolloutConfiguration: { initialPercentage: 150 } } } })).toBe(false);
  });

  it("has what a registry entry needs: build base image, releases, subtype, support level, docs URL and an icon", () => {
    const baseImage = (data.connectorBuildOptions as { baseImage?: string } | undefined)?.baseImage;
    const from = /^FROM (\S+)/m.exec(dockerfile)?.[1];
    expect(baseImage).toBe(`docker.io/library/${from}`);
    expect(data.releases).toBeDefined();
    expect(data.connectorSubtype).toBe("api");
    expect(data.supportLevel).toBe("community");
    expect(String(data.documentationUrl)).toMatch(/^https:\/\//);
    expect(data.documentationUrl).not.toMatch(/example|TODO/i);
    const icon = new URL(String(data.icon), root);
    expect(existsSync(icon)).toBe(true);
    expect(readFileSync(icon, "utf8")).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(data.protocolVersion).toBe("0.3.2");
  });

  it("describes an alpha source reaching Asana and its presigned download hosts, suggesting the streams it has", () => {
    expect(data.connectorType).toBe("source");
    expect(data.releaseStage).toBe("alpha");
    const hosts = (data.allowedHosts as { hosts: string[] }).hosts;
    expect(hosts).toEqual(expect.arrayContaining(["app.asana.com", "*.amazonaws.com"]));
    expect((data.suggestedStreams as { streams: string[] }).streams).toEqual([...STREAM_NAMES]);
  });
});

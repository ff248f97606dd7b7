// Docker cannot build here, so the facts Airbyte relies on are checked in the files themselves.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = new URL("../../", import.meta.url);
const dockerfile = readFileSync(new URL("Dockerfile", root), "utf8");
const metadata = parse(readFileSync(new URL("metadata.yaml", root), "utf8")) as { data: Record<string, unknown> };
const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as { version: string; bin: Record<string, string> };

describe("Airbyte packaging", () => {
  it("is multi-stage on a Node LTS slim base and runs as the non-root user airbyte", () => {
    const froms = dockerfile.match(/^FROM .+$/gm) ?? [];
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) expect(f).toMatch(/^FROM node:(20|22|24)[\w.-]*-slim/);
    expect(dockerfile).toMatch(/^USER airbyte$/m);
    expect(dockerfile).toMatch(/useradd .*airbyte/);
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

  it("labels match metadata.yaml, which describes an alpha source with its allowed hosts", () => {
    const name = /^LABEL io\.airbyte\.name=(.+)$/m.exec(dockerfile)?.[1];
    const version = /^LABEL io\.airbyte\.version=(.+)$/m.exec(dockerfile)?.[1];
    expect(name).toBe(metadata.data.dockerRepository);
    expect(version).toBe(metadata.data.dockerImageTag);
    expect(version).toBe(pkg.version);
    expect(metadata.data.connectorType).toBe("source");
    expect(metadata.data.releaseStage).toBe("alpha");
    const hosts = (metadata.data.allowedHosts as { hosts: string[] }).hosts;
    expect(hosts).toContain("app.asana.com");
  });
});

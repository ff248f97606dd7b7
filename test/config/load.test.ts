import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, parseJsonText } from "../../src/config/load.js";
import { TOKEN_ENV } from "../../src/config/schema.js";
import { MINIMAL, TOKEN, configErrorOf, configErrorOfAsync } from "./helpers.js";

const JSON_FIX = "JSON needs double-quoted keys and strings, and allows no comments or trailing commas";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "asana-config-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe("loadConfig", () => {
  it("reads, validates and resolves a config file", async () => {
    const path = await fileWith("ok.json", JSON.stringify({ workspace: "1200000000000000" }));
    const config = await loadConfig(path, { [TOKEN_ENV]: TOKEN });
    expect(config.workspace).toBe("1200000000000000");
    expect(config.service_account_token).toBe(TOKEN);
    expect(config.max_retries).toBe(8);
  });

  it("accepts a file that starts with a byte order mark", async () => {
    const path = await fileWith("bom.json", `\uFEFF${JSON.stringify(MINIMAL)}`);
    expect((await loadConfig(path, {})).workspace).toBe("1200000000000000");
  });

  it("says when the file does not exist", async () => {
    const path = join(dir, "missing.json");
    const error = await configErrorOfAsync(() => loadConfig(path, {}));
    expect(error.code).toBe("CONFIG_FILE_MISSING");
    expect(error.message).toBe(`config file ${path} does not exist: pass the path of your config.json`);
  });

  it("says when the path is a directory", async () => {
    const error = await configErrorOfAsync(() => loadConfig(dir, {}));
    expect(error.message).toBe(`config file ${dir} is a directory: pass the path of a config.json file`);
  });

  it("says when the file is empty", async () => {
    const path = await fileWith("empty.json", " \n");
    const error = await configErrorOfAsync(() => loadConfig(path, {}));
    expect(error.code).toBe("CONFIG_FILE_NOT_JSON");
    expect(error.message).toBe(`config file ${path} is empty: write a JSON object such as {"workspace": "1200000000000000"}`);
  });

  it("reports validation problems of the file's content", async () => {
    const path = await fileWith("bad.json", JSON.stringify({ ...MINIMAL, workspace: "acme" }));
    const error = await configErrorOfAsync(() => loadConfig(path, {}));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toMatch(/^config\.workspace must be a workspace gid \(digits\), got 'acme'/);
  });

  it("reports a syntax error with its line and column", async () => {
    const path = await fileWith("syntax.json", '{\n  "workspace": "1",\n}\n');
    const error = await configErrorOfAsync(() => loadConfig(path, {}));
    expect(error.code).toBe("CONFIG_FILE_NOT_JSON");
    expect(error.message).toBe(
      `config file ${path} is not valid JSON: Expected double-quoted property name at line 3, column 1 (offset 22): ${JSON_FIX}`,
    );
  });
});

describe("parseJsonText", () => {
  it.each<[string, string, string]>([
    ["an unquoted key", '{workspace: "1"}', "Expected property name or '}' at line 1, column 2 (offset 1)"],
    ["a missing comma", '{"a": "1"\n "b": 2}', "Expected ',' or '}' after property value at line 2, column 2 (offset 11)"],
    ["a bare word", '{"a": nope}', "Unexpected token 'o' at line 1, column 8 (offset 7)"],
    ["a bare word later in the file", '{"a": 1,\n "b": tru}', "Unexpected token '}' at line 2, column 10 (offset 18)"],
    ["a truncated file", '{"a": [1, 2', "Expected ',' or ']' after array element at line 1, column 12 (offset 11)"],
    ["a comment", '// config\n{"a": 1}', "Unexpected token '/' at line 1, column 1 (offset 0)"],
    ["trailing text", '{"a": 1} x', "Unexpected non-whitespace character after JSON at line 1, column 10 (offset 9)"],
  ])("locates %s", (_name, text, where) => {
    expect(configErrorOf(() => parseJsonText(text, "c.json")).message).toBe(`config file c.json is not valid JSON: ${where}: ${JSON_FIX}`);
  });

  it("never quotes the file, so a token in it cannot leak", () => {
    for (const text of [
      `{"service_account_token": ${TOKEN}}`,
      `{"service_account_token": "${TOKEN}" "workspace": "1"}`,
      `{"service_account_token": '${TOKEN}'}`,
      `${TOKEN}`,
    ]) {
      const message = configErrorOf(() => parseJsonText(text, "c.json")).message;
      expect(message).toMatch(/^config file c\.json is not valid JSON: .* at line 1, column \d+ \(offset \d+\)/);
      expect(message).not.toContain(TOKEN.slice(0, 8));
      expect(message).not.toContain("service_account_token");
    }
  });
});

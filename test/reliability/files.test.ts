// The user's side of the file system, through the built CLI: paths that cannot be folders, folders
// without permission, a full disk (a real 1 MiB tmpfs, when this machine lets us mount one), a port
// in use; files and folders private to their owner; a killed run's leftovers cleared, and only ours.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { SOURCE_BIN, runCli } from "../helpers/cli.js";
import { emulatorConfig, scratch } from "../helpers/airbyte.js";
import { tapSync } from "../helpers/singer.js";
import { expectFailure, expectNoStackTrace, filesUnder, snapshot } from "./expect.js";
import { SMALL, outcome, run, type Outcome } from "./harness.js";
import { sideEmulators } from "./sides.js";

const envs = sideEmulators(161, { ...SMALL, tasks: 150 });
const em = (): Emulator => envs.sync.em;

const isRoot = process.getuid?.() === 0;

/** Run `sync --out <out>` (not created first), as `uid` when given; the config is readable by anyone. */
async function syncTo(out: string, options: { uid?: number; flags?: string[] } = {}): Promise<Outcome> {
  const dir = scratch();
  chmodSync(dir, 0o755);
  const config = join(dir, "config.json");
  writeFileSync(config, JSON.stringify(emulatorConfig(em())), { mode: 0o644 });
  const args = ["sync", "--config", config, "--out", out, "--format", "jsonl", ...(options.flags ?? [])];
  const child = spawn(process.execPath, [SOURCE_BIN, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ASANA_SERVICE_ACCOUNT_TOKEN: "" },
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    // A Node binary this uid may not run (one under a private folder) fails the test at once, saying so.
    child.on("error", (e) => reject(new Error(`cannot run ${process.execPath} as uid ${String(options.uid ?? "(this user)")}: ${e.message}`)));
    child.on("close", (c, s) => resolve([c, s]));
  });
  const messages = stdout.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as Record<string, unknown>);
  await em().settled();
  return outcome("sync", { code, signal, stdout, stderr, messages }, dir, out);
}

/** The run failed before it asked Asana for anything. */
async function refusedBeforeAnyRequest(out: string, expected: Parameters<typeof expectFailure>[1], options: { uid?: number } = {}): Promise<Outcome> {
  const seen = em().requests.length;
  const o = await syncTo(out, options);
  expectFailure(o, expected);
  expect(em().requests.length, "a request reached Asana").toBe(seen);
  return o;
}

const NEXT = /Nothing was read or written; the next run tries again\.$/;

describe("paths the user must fix: a message naming the path and the fix, a config error, no stack trace", () => {
  it("--out names a file: FS_NOT_A_FOLDER", async () => {
    const file = join(scratch(), "out");
    writeFileSync(file, "not a folder");
    await refusedBeforeAnyRequest(file, {
      code: "FS_NOT_A_FOLDER",
      failureType: "config_error",
      message: [new RegExp(`^Cannot create the output folder ${file}: it exists and is not a folder \\(EEXIST\\)\\. Remove or rename that file, or choose another folder`), NEXT],
    });
  });

  it("--out lies under a file: FS_NOT_A_FOLDER (ENOTDIR)", async () => {
    const file = join(scratch(), "plain-file");
    writeFileSync(file, "x");
    await refusedBeforeAnyRequest(join(file, "out"), {
      code: "FS_NOT_A_FOLDER",
      failureType: "config_error",
      message: [new RegExp(`^Cannot create the output folder ${file}/out: a part of the path is a file, not a folder \\(ENOTDIR\\)`), NEXT],
    });
  });

  it("--out /proc/x, whose parent accepts no new folders: refused, without hanging (mkdir -p used to spin for ever there)", async () => {
    await refusedBeforeAnyRequest("/proc/asana-export-test", {
      code: "FS_NOT_FOUND",
      failureType: "config_error",
      message: [/^Cannot create the output folder \/proc\/asana-export-test: no such file or folder, or its parent accepts no new entries/, NEXT],
    });
  });

  it(`--out in a folder the user may not enter: FS_PERMISSION_DENIED (${isRoot ? "run as nobody, since root passes permission checks" : "a folder of mode 0"})`, async () => {
    const locked = join(scratch(), "locked");
    mkdirSync(locked, { mode: 0o700 });
    if (!isRoot) chmodSync(locked, 0);
    try {
      await refusedBeforeAnyRequest(join(locked, "out"), {
        code: "FS_PERMISSION_DENIED",
        failureType: "config_error",
        message: [new RegExp(`^Cannot create the output folder ${locked}/out: permission denied \\(EACCES\\)\\. Give the user running the sync access to it`), NEXT],
      }, isRoot ? { uid: 65534 } : {});
    } finally {
      chmodSync(locked, 0o700);
    }
  });

  it("the emulator's port is in use: NET_ADDRESS_UNAVAILABLE, saying to pass --port 0", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const r = await runCli(SOURCE_BIN, ["emulator", "--port", String(port)]);
      const o = await outcome("sync", r, scratch(), undefined);
      expect(o.code).toBe(1);
      expect(o.failure).toMatchObject({ code: "NET_ADDRESS_UNAVAILABLE", failureType: "config_error" });
      expect(o.failure?.message).toBe(`Cannot listen on 127.0.0.1:${port}: another program already listens there (EADDRINUSE). Pass --port 0 to take a free port, or another --port / --host.`);
      expect(o.stderr.trim()).toBe(`source-asana-export emulator: ${o.failure?.message ?? ""}`);
      expectNoStackTrace(o);
    } finally {
      taken.close();
    }
  });
});

/** A 64 KiB tmpfs under a scratch folder, or undefined when this machine will not mount one (not root). */
function smallDisk(): string | undefined {
  if (!isRoot) return undefined;
  const mount = join(tmpdir(), `asana-export-tmpfs-${process.pid}`);
  mkdirSync(mount, { recursive: true });
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mount]);
  return r.status === 0 ? mount : undefined;
}
const disk = smallDisk();
afterAll(() => {
  if (disk === undefined) return;
  spawnSync("umount", [disk]);
  rmSync(disk, { recursive: true, force: true });
});

describe.skipIf(disk === undefined)(`a full disk (a real 64 KiB tmpfs${disk === undefined ? ": skipped, this machine does not let the tests mount one" : ""})`, () => {
  const root = disk ?? "";
  it("the disk fills while the files are written: FS_DISK_FULL, a transient error naming the stream's folder; nothing published, no temporary and no lock left", async () => {
    const out = join(root, "out");
    const o = await syncTo(out);
    expectFailure(o, {
      code: "FS_DISK_FULL",
      failureType: "transient_error",
      message: [
        new RegExp(`^Cannot write the files of stream [a-z_]+ in ${out}/[a-z_]+: no space left on the device \\(ENOSPC\\)\\. Free space on that disk`),
        /Nothing of this export was published and the state file is unchanged: the next run resumes the export job recorded beside the state file/,
      ],
    });
    expect(filesUnder(out, true).filter((f) => !f.endsWith(".pending"))).toEqual([]);
    rmSync(out, { recursive: true, force: true });
  });

  it("the disk is full when the lock is written: FS_DISK_FULL, and no lock is left behind to block the next runs", async () => {
    const out = join(root, "full");
    mkdirSync(out);
    // Fill the disk to the last byte (an empty file still fits: tmpfs counts inodes apart).
    const filler = join(out, "filler");
    const r = spawnSync("dd", ["if=/dev/zero", `of=${filler}`, "bs=64k"], { encoding: "utf8" });
    expect(r.stderr).toMatch(/No space left/);
    const o = await refusedBeforeAnyRequest(out, {
      code: "FS_DISK_FULL",
      failureType: "transient_error",
      message: [new RegExp(`^Cannot take the lock ${out}/\\.sync\\.lock: no space left on the device \\(ENOSPC\\)`), NEXT],
    });
    expect(readdirSync(out)).toEqual(["filler"]);
    expect(o.code).toBe(1);
    rmSync(out, { recursive: true, force: true });
  });
});

const mode = (path: string): number => statSync(path).mode & 0o777;

describe("private files and folders", () => {
  it("sync: every folder it creates is 0700 and every file 0600 (data, manifest, state)", async () => {
    const out = join(scratch(), "new", "out");
    const o = await syncTo(out, { flags: ["--format", "parquet"] });
    expect(o.code, o.stderr).toBe(0);
    const entries = filesUnder(out, true);
    expect(entries.some((f) => f.endsWith(".parquet"))).toBe(true);
    expect(entries).toContain("_state.json");
    for (const f of entries) expect(mode(join(out, f)), f).toBe(0o600);
    // The parent too: the run made it (it did not exist).
    for (const d of [join(out, ".."), out, join(out, "tasks"), join(out, "_manifests")]) expect(mode(d), d).toBe(0o700);
  });

  it("tap BATCH without storage.root: a new 0700 folder per run (mkdtemp), files 0600; never a shared predictable path", async () => {
    const tmp = scratch();
    const batch = { encoding: { format: "jsonl", compression: "gzip" }, batch_size: 100 };
    const folders: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await tapSync({ configs: [emulatorConfig(em()), { batch_config: batch }] }, { env: { TMPDIR: tmp } });
      expect(r.code, r.stderr).toBe(0);
      const files = r.messages.filter((m) => m.type === "BATCH").flatMap((m) => m.manifest as string[]).map((u) => fileURLToPath(u));
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) expect(mode(f)).toBe(0o600);
      folders.push(...new Set(files.map((f) => join(f, ".."))));
    }
    expect(folders).toHaveLength(2);
    expect(new Set(folders).size).toBe(2);
    for (const f of folders) {
      expect(f).toMatch(new RegExp(`^${tmp}/singer-sdk-[A-Za-z0-9]{6}$`));
      expect(mode(f)).toBe(0o700);
    }
    expect(existsSync(join(tmp, "singer-sdk"))).toBe(false);
  });
});

describe("what a killed sync leaves, cleared by the next run", () => {
  it("temporaries: only those named as our writers name them are removed; anyone else's are kept", async () => {
    const out = join(scratch(), "out");
    mkdirSync(join(out, "tasks"), { recursive: true });
    const ours = ["tasks/.0a1b2c3d4e5f-00001.jsonl.partial", "._state.json.0a1b2c3d.partial"];
    const theirs = ["tasks/.notes.partial", ".editor-swap.partial", "tasks/keep.txt"];
    for (const f of [...ours, ...theirs]) writeFileSync(join(out, f), "x");
    const o = await syncTo(out);
    expect(o.code, o.stderr).toBe(0);
    const left = filesUnder(out, true);
    for (const f of theirs) expect(left).toContain(f);
    for (const f of ours) expect(left).not.toContain(f);
  });

  it("data files renamed before the kill but listed by no manifest are removed, even when the next run starts a new export: the files on disk are exactly those the manifests list", async () => {
    const out = join(scratch(), "out");
    const first = await run("sync", em(), { out, config: { lookback_window_seconds: 0 } });
    expect(first.code, first.stderr).toBe(0);
    // What a SIGKILL between the data renames and the manifest leaves: a second sync's renamed
    // files, without its manifest, and the state file (and pending side file) of before it.
    const before = snapshot(out);
    const killed = join(scratch(), "killed");
    cpSync(out, killed, { recursive: true });
    em().workspace.mutate({ creates: 2, modifies: 3, deletes: 1 });
    const second = await run("sync", em(), { out: killed, config: { lookback_window_seconds: 0 } });
    expect(second.code, second.stderr).toBe(0);
    const manifest = filesUnder(killed).filter((f) => f.startsWith("_manifests/") && !before.files.includes(f));
    expect(manifest).toHaveLength(1);
    rmSync(join(killed, manifest[0] ?? ""));
    writeFileSync(join(killed, "_state.json"), before.state ?? "");
    const orphans = filesUnder(killed).filter((f) => !before.files.includes(f) && !f.startsWith("_manifests/") && f !== "_state.json");
    expect(orphans.length).toBeGreaterThan(0);

    const third = await run("sync", em(), { out: killed, config: { lookback_window_seconds: 0 } });
    expect(third.code, third.stderr).toBe(0);
    expect(third.logs.some((l) => /Removed \d+ data file\(s\) that no manifest lists, published by a sync that was stopped before writing its manifest/.test(l))).toBe(true);
    const listed = listedFiles(killed);
    expect(filesUnder(killed).filter((f) => !f.startsWith("_manifests/") && f !== "_state.json").sort()).toEqual([...listed].sort());
    for (const f of orphans) expect(listed.has(f)).toBe(false);
  });
});

/** Every data file the manifests of a folder list. */
function listedFiles(out: string): Set<string> {
  const listed = new Set<string>();
  for (const name of readdirSync(join(out, "_manifests"))) {
    const manifest = JSON.parse(readFileSync(join(out, "_manifests", name), "utf8")) as { streams: Record<string, { files: { path: string }[] }> };
    for (const entry of Object.values(manifest.streams)) for (const file of entry.files) listed.add(file.path);
  }
  return listed;
}

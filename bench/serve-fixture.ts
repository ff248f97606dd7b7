// Keep one bench fixture alive for profiling: the emulator with a finished export, and the config,
// catalog and state files that make `read` and `sync` resume it. Prints the commands; Ctrl-C stops.
//   node dist/bench/serve-fixture.js [--tasks 200000]
//   then e.g.: node --cpu-prof dist/src/cli/source-main.js read --config ... > /dev/null
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { prepareFixture } from "./suite/fixture.js";

const i = process.argv.indexOf("--tasks");
const tasks = i >= 0 ? Number(process.argv[i + 1]) : 200_000;
const root = resolve(fileURLToPath(import.meta.url), "../../..");
const dir = join(root, "bench", "out", `serve-${tasks}`);
const fixture = await prepareFixture({
  tasks,
  messages: Math.max(1, Math.round(tasks / 20)),
  teams: 50,
  gzipLevel: 6,
  seed: 1,
  dir,
  log: (line) => process.stderr.write(`${line}\n`),
});
const cli = join(root, "dist/src/cli/source-main.js");
fixture.writeSyncState(join(dir, "sync-state.json"), "top");
fixture.writeSyncState(join(dir, "sync-state-all.json"), "all");
process.stdout.write(
  [
    `file: ${fixture.file}`,
    `read: node ${cli} read --config ${fixture.configPath} --catalog ${fixture.catalogPath} --state ${fixture.readStatePath} > /dev/null`,
    `read of all fifteen streams: node ${cli} read --config ${fixture.configPath} --catalog ${fixture.catalogAllPath} --state ${fixture.readStateAllPath} > /dev/null`,
    `sync: cp ${join(dir, "sync-state.json")} /tmp/s.json && node ${cli} sync --config ${fixture.configPath} --out /tmp/sync-out --format parquet --state-file /tmp/s.json --streams tasks,teams,messages`,
    `sync of all fifteen streams: cp ${join(dir, "sync-state-all.json")} /tmp/s.json && node ${cli} sync --config ${fixture.configPath} --out /tmp/sync-out --format parquet --state-file /tmp/s.json`,
    "",
  ].join("\n"),
);
const stop = (): void => {
  void fixture.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

import { it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { getJob, postExport } from "./helpers.js";
import { statSync, readdirSync } from "node:fs";

it("perf", async () => {
  const emu = await startEmulator({ tasks: Number(process.env.TASKS ?? 100_000), teams: 10, messages: 1000, gzipLevel: Number(process.env.GZ ?? 6), jobPollsUntilDone: 1 });
  try {
    const t0 = Date.now();
    const mem0 = process.memoryUsage().rss;
    let maxRss = 0;
    const posted = await postExport(emu, [{ resource_type: "task" }, { resource_type: "message" }]);
    const gid = (posted.json as { data: { gid: string } }).data.gid;
    let job;
    let worstPoll = 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, 200));
      const p0 = Date.now();
      job = await getJob(emu, gid);
      worstPoll = Math.max(worstPoll, Date.now() - p0);
      maxRss = Math.max(maxRss, process.memoryUsage().rss);
      if (job.status === "succeeded" || job.status === "failed") break;
    }
    const files = readdirSync(emu.tempDir);
    console.log(job.status, Date.now() - t0, "ms", files.map((f) => statSync(`${emu.tempDir}/${f}`).size), (maxRss - mem0) / 1e6, "MB rss delta", "worst poll", worstPoll);
  } finally {
    await emu.close();
  }
}, 600_000);

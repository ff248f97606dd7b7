// The job state machine: not_started -> in_progress -> succeeded, timing by polls and by clock,
// visibility to its creator only, and a fresh download URL on each GET once it succeeded.
import { describe, it, expect } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { api, finishJob, getJob, manualClock, postExport, type JobJson } from "./helpers.js";

const small = { tasks: 30, teams: 2, messages: 5 } as const;

describe("GET /jobs/{gid}", () => {
  it("goes in_progress then succeeded after the configured polls, with completed_at and a URL", async () => {
    const emu = await startEmulator({ ...small, jobPollsUntilDone: 3 });
    try {
      const posted = await postExport(emu, [{ resource_type: "task" }]);
      const gid = (posted.json as { data: JobJson }).data.gid;
      await emu.waitForExportFile(gid);
      const first = await getJob(emu, gid);
      expect(first.status).toBe("in_progress");
      expect(first.new_resource_export).toMatchObject({ completed_at: null, download_url: null });
      expect((await getJob(emu, gid)).status).toBe("in_progress");
      const done = await getJob(emu, gid);
      expect(done.status).toBe("succeeded");
      expect(done.new_resource_export.completed_at).not.toBeNull();
      expect(done.new_resource_export.download_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/exports\/\d+\/\d+\.jsonl\.gz\?X-Amz-Algorithm=AWS4-HMAC-SHA256&/);
      expect(new URL(done.new_resource_export.download_url ?? "").origin).not.toBe(new URL(emu.baseUrl).origin);
      const again = await getJob(emu, gid);
      expect(again.status).toBe("succeeded");
      expect(again.new_resource_export.completed_at).toBe(done.new_resource_export.completed_at);
      expect(again.new_resource_export.download_url).not.toBe(done.new_resource_export.download_url);
      expect(again.new_resource_export.created_at).toBe((posted.json as { data: JobJson }).data.new_resource_export.created_at);
    } finally {
      await emu.close();
    }
  });

  it("waits for jobMsUntilDone on the emulator clock", async () => {
    const clock = manualClock();
    const emu = await startEmulator({ ...small, clock, jobPollsUntilDone: 1, jobMsUntilDone: 60_000 });
    try {
      const posted = await postExport(emu, [{ resource_type: "team" }]);
      const job = (posted.json as { data: JobJson }).data;
      expect(job.new_resource_export.created_at).toBe(new Date(clock.now()).toISOString());
      await emu.waitForExportFile(job.gid);
      expect((await getJob(emu, job.gid)).status).toBe("in_progress");
      clock.advance(59_999);
      expect((await getJob(emu, job.gid)).status).toBe("in_progress");
      clock.advance(1);
      const done = await getJob(emu, job.gid);
      expect(done.status).toBe("succeeded");
      expect(done.new_resource_export.completed_at).toBe(new Date(clock.now()).toISOString());
    } finally {
      await emu.close();
    }
  });

  it("404 for unknown gids and for jobs of another token", async () => {
    const emu = await startEmulator(small);
    try {
      expect((await api(emu, "GET", "/jobs/1234567890")).status).toBe(404);
      const posted = await postExport(emu, [{ resource_type: "task" }]);
      const gid = (posted.json as { data: JobJson }).data.gid;
      const other = await api(emu, "GET", `/jobs/${gid}`, { token: emu.tokens.otherServiceAccount });
      expect(other.status).toBe(404);
      expect((await api(emu, "GET", `/jobs/${gid}`, { token: null })).status).toBe(401);
      expect((await finishJob(emu, gid)).status).toBe("succeeded");
    } finally {
      await emu.close();
    }
  });

  it("job-slow keeps a job in_progress for a set time; job-failed fails it on the chosen poll", async () => {
    const clock = manualClock();
    const emu = await startEmulator({ ...small, clock, jobPollsUntilDone: 1 });
    try {
      emu.faults.arm({ kind: "job-slow", ms: 30_000 });
      const slow = (await postExport(emu, [{ resource_type: "task" }])).json as { data: JobJson };
      await emu.waitForExportFile(slow.data.gid);
      expect((await getJob(emu, slow.data.gid)).status).toBe("in_progress");
      clock.advance(30_000);
      expect((await getJob(emu, slow.data.gid)).status).toBe("succeeded");

      emu.faults.arm({ kind: "job-failed", atPoll: 2 });
      const failing = (await postExport(emu, [{ resource_type: "task" }])).json as { data: JobJson };
      await emu.waitForExportFile(failing.data.gid);
      clock.advance(1);
      expect((await getJob(emu, failing.data.gid)).status).toBe("in_progress");
      const failed = await getJob(emu, failing.data.gid);
      expect(failed.status).toBe("failed");
      expect(failed.new_resource_export.download_url).toBeNull();
      expect((await getJob(emu, failing.data.gid)).status).toBe("failed");
      // A failed job frees the workspace's export slot.
      const next = await postExport(emu, [{ resource_type: "task" }]);
      expect(next.status).toBe(201);
      expect(emu.faults.fired.map((f) => f.kind)).toEqual(["job-slow", "job-failed"]);
    } finally {
      await emu.close();
    }
  });
});

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Builds dist/ first when it is older than src/: tests spawn the built CLI.
    globalSetup: ["test/global-setup.ts"],
    // Safety nets for a hung test, never measurements: generous, because the machine is shared and a
    // test must fail only when code is wrong (test/helpers/cli.ts kills a hung child a little sooner).
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: "forks",
    // One test file per core. Without it, on this 2-core machine the files ran one at a time (two
    // files of 25.5 s and 26.5 s took 53.5 s together, 37.4 s with this; `npm test` took 6.0 min).
    // The suite passed three times in a row with two busy loops on both cores: contention makes it
    // slower, not wrong.
    maxWorkers: "100%",
  },
});

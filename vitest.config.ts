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
  },
});

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Suites drive child processes (the XS worker, external Modbus/MQTT tools);
    // their time is bounded by the virtual clock, not by this timeout.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
  define: {
    __FIELDNODE_VERSION__: JSON.stringify("0.0.0-test"),
    __FIELDNODE_BUILD_FAULT__: JSON.stringify("none"),
  },
});

import { defineConfig } from "vitest/config";
import { firmwareDefines } from "./host/build/bundle.ts";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Suites drive child processes (the XS worker, external Modbus/MQTT tools);
    // their time is bounded by the virtual clock, not by this timeout.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
  define: firmwareDefines({ version: "0.0.0-test" }),
});

/**
 * MQTT has no "end of retained messages" marker: after a subscription the
 * broker sends what it keeps, then nothing. The tools wait until the flow
 * pauses for `quietMs` (or `maxMs` passed, or every expected device spoke).
 */
import type { DeviceWatch } from "../commands/device-watch";

export async function settleRetained(watch: DeviceWatch, options: { quietMs?: number; maxMs?: number; expect?: readonly string[] } = {}): Promise<void> {
  const quietMs = options.quietMs ?? 400;
  const maxMs = options.maxMs ?? 3_000;
  const complete = (): boolean => options.expect !== undefined && options.expect.every((id) => watch.get(id)?.report !== undefined && watch.get(id)?.online !== undefined);
  if (complete()) return;
  await new Promise<void>((resolve) => {
    let quiet: NodeJS.Timeout;
    const done = (): void => {
      clearTimeout(quiet);
      clearTimeout(cap);
      detach();
      resolve();
    };
    const cap = setTimeout(done, maxMs);
    const detach = watch.on(() => {
      if (complete()) return done();
      clearTimeout(quiet);
      quiet = setTimeout(done, quietMs);
    });
    quiet = setTimeout(done, quietMs);
  });
}

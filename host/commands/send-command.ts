/**
 * Publishes a signed command and waits for the device's answer on its status
 * topic. The answer names the command's nonce once the device could read the
 * body; a refusal that came before that (unknown key, bad signature,
 * malformed) carries no nonce, so a nonce-less refusal arriving after our
 * publish is taken as the answer to it.
 */
import type { CommandResult } from "../../firmware/commands/command-format";
import type { BrokerConnection } from "../mqtt/broker-connection";
import type { DeviceWatch } from "./device-watch";
import type { SignedCommand } from "./sign-command";
import { deviceTopics } from "./topics";

export function isAnswerTo(result: CommandResult, nonce: string): boolean {
  return result.nonce === nonce || (result.nonce === undefined && result.result === "refused");
}

/** The device's CommandResult, or undefined when none came within `timeoutMs`. */
export async function sendCommand(connection: BrokerConnection, watch: DeviceWatch, signed: SignedCommand, timeoutMs: number): Promise<CommandResult | undefined> {
  const device = signed.body.device;
  let stop = (): void => {};
  const answer = new Promise<CommandResult | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    const detach = watch.on((event) => {
      if (event.kind === "result" && event.device === device && isAnswerTo(event.result, signed.nonce)) resolve(event.result);
    });
    stop = () => {
      clearTimeout(timer);
      detach();
    };
  });
  try {
    await connection.publish(deviceTopics(watch.prefix, device).cmd, signed.envelope);
    return await answer;
  } finally {
    stop();
  }
}

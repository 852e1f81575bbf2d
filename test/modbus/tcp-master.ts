import ModbusRTU from "modbus-serial";

/** Reads holding registers from slave 1 through an RTU-over-TCP endpoint (the simulator's --modbus-tcp) with a real master. */
export async function readHoldingOverTcp(port: number, address: number, count: number): Promise<number[]> {
  const client = new ModbusRTU();
  await client.connectTelnet("127.0.0.1", { port });
  client.setID(1);
  client.setTimeout(2000);
  try {
    return (await client.readHoldingRegisters(address, count)).data;
  } finally {
    await new Promise<void>((done) => client.close(() => done()));
  }
}

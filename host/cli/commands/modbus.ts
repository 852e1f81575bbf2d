/**
 * `fieldnode modbus read|write`: bench diagnostics of a device's Modbus RTU
 * slave, over a serial port, a pseudo-terminal or RTU over TCP, by register
 * map name or by table and address.
 */
import { CliError, EXIT, type Command } from "../command";
import { registerCommand } from "../main";
import { CONNECTION_HELP } from "./modbus-options";
import { runRead } from "./modbus-read";
import { runWrite } from "./modbus-write";

// runCli answers --help before a command runs, with this one text: so it covers both subcommands.
const USAGE = `usage: fieldnode modbus read  CONNECTION [--register-map FILE] NAME...
       fieldnode modbus read  CONNECTION [--register-map FILE] --all
       fieldnode modbus read  CONNECTION --table TABLE --address A [--count N]
       fieldnode modbus write CONNECTION [--register-map FILE] NAME VALUE...
       fieldnode modbus write CONNECTION --table holding|coils --address A [--multiple] VALUE...

Talks to a device's Modbus RTU slave as a master, one request at a time.

read NAME...      entries of the register map by name, decoded: scale, sign, word order and
                  unit applied (config.baud, device.uptime; a point's own name is enough when
                  only one block has it: baud, uptime). A storage block's name reads all its cells.
read --all        every entry of the map with its value, one request per block
read --table T    raw cells: T is holding, input, coils or discrete; --address A is the first
                  address, 0-based as on the wire; --count N (default 1)
write NAME VALUE  a point: VALUE in its unit, scaled and checked against its type before sending
                  (FC 06, FC 10 for 32-bit types, FC 05 for a coil); a storage block: raw values
                  from its first cell
write --table T   raw: T is holding (VALUE 0-65535, 0x0000-0xFFFF, or -32768..-1) or coils
                  (VALUE 0, 1, on, off); FC 06 / 05 for one value, FC 10 / 0F for several
  --multiple      FC 10 / 0F even for one value (for slaves without FC 06 / 05)

${CONNECTION_HELP}

Names come from the register map: the firmware's default one (docs/modbus.md), or the JSON
file the device was given (npm start -- --register-map FILE). Negative values need no "--".

Exit status: 0 done; 1 the slave answered with an exception ("exception 02 illegal data
address"); 2 bad command line or register map; 3 port or host unreachable, no reply, or a
damaged reply after every retry.
`;

export const modbusCommand: Command = {
  name: "modbus",
  summary: "read and write a device's Modbus registers (serial port, pty or RTU over TCP)",
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === "read") return runRead(rest, io);
    if (sub === "write") return runWrite(rest, io);
    if (sub === undefined) throw new CliError("say read or write; see 'fieldnode modbus --help'", EXIT.usage);
    throw new CliError(`unknown subcommand "${sub}": expected read or write; see 'fieldnode modbus --help'`, EXIT.usage);
  },
};

registerCommand(modbusCommand);

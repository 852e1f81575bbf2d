/**
 * The Modbus slave's application layer (application protocol v1.1b3): takes
 * one complete RTU frame, checks it, executes it against the register map and
 * writes the reply frame. Diagnostics counters, the comm event counter and
 * log, listen-only mode and device identification live here.
 *
 * Hot path: the frame arrives in the receiver's buffer and the reply is built
 * in the transmitter's; nothing is allocated per frame.
 */
import { encodeUtf8 } from "../core/utf8";
import { appendCrc, crcValid } from "./crc16";
import type { RegisterMap } from "./register-map";
import {
  ILLEGAL_DATA_ADDRESS,
  ILLEGAL_DATA_VALUE,
  ILLEGAL_FUNCTION,
  OK,
} from "./sources";

/** Frame flags from the receiver. */
export const FRAME_OK = 0;
/** A silence longer than t1.5 inside the frame (serial line spec §2.5.1.1). */
export const FRAME_TIMING = 1;
/** Characters were lost: the UART FIFO overflowed, or the frame ran past 256 bytes. */
export const FRAME_OVERRUN = 2;
/** A character arrived with a parity or framing error. */
export const FRAME_CHARACTER = 4;

/**
 * Indices into ModbusServer.counters. The first eight are the ones
 * diagnostics 0B-12 return (serial line spec §6.1): bus messages are frames
 * with a good CRC, any address; bus communication errors are frames that are
 * not messages (a bad CRC, or one that cannot be checked: a character error,
 * an overrun, a gap over t1.5, fewer than 4 bytes); exceptions include the
 * errors found in broadcasts, which are never answered.
 */
export const C_BUS_MESSAGES = 0;
export const C_BUS_COMM_ERRORS = 1;
export const C_EXCEPTIONS = 2;
export const C_SERVER_MESSAGES = 3;
export const C_NO_RESPONSE = 4;
export const C_NAK = 5;
export const C_BUSY = 6;
export const C_OVERRUNS = 7;
/** Frames whose length does not match their function code: dropped. */
export const C_LENGTH_ERRORS = 8;
/** Frames with a gap longer than t1.5 inside: dropped (also counted in C_BUS_COMM_ERRORS). */
export const C_TIMING_ERRORS = 9;
/** Good frames for another slave. */
export const C_OTHER_ADDRESS = 10;
export const C_BROADCASTS = 11;
/** Frames with a parity or framing error (also counted in C_BUS_COMM_ERRORS). */
export const C_CHARACTER_ERRORS = 12;
export const COUNTER_COUNT = 13;

export const COUNTER_NAMES: readonly string[] = [
  "busMessages",
  "busCommErrors",
  "exceptions",
  "serverMessages",
  "noResponse",
  "nak",
  "busy",
  "overruns",
  "lengthErrors",
  "timingErrors",
  "otherAddress",
  "broadcasts",
  "characterErrors",
];

/** Device identification objects (FC 2B / MEI 0E). Basic objects are mandatory. */
export interface DeviceIdentity {
  vendorName: string;
  productCode: string;
  majorMinorRevision: string;
  vendorUrl?: string;
  productName?: string;
  modelName?: string;
  userApplicationName?: string;
}

export interface ServerOptions {
  map: RegisterMap;
  address: number;
  identity: DeviceIdentity;
  /** FC 11's server ID byte(s). */
  serverId?: Uint8Array;
  /** FC 11's device-specific data after the run indicator. */
  serverInfo?: string;
}

/** Diagnostic register bits (08/02): set by the event, cleared by 08/0A (and 08/14 for overrun). */
export const DIAG_OVERRUN = 1;
export const DIAG_COMM_ERROR = 2;

/** Conformity level: regular identification, stream and individual access. */
const CONFORMITY = 0x82;
/** Longest PDU (application protocol §4.1). */
const MAX_PDU = 253;
const WRONG_LENGTH = -1;
const DEFER_NONE = 0;
const DEFER_RESTART = 1;
const DEFER_RESTART_CLEAR_LOG = 2;
const DEFER_CLEAR_COUNTERS = 3;

export class ModbusServer {
  /** Slave address, 1-247. */
  address: number;
  map: RegisterMap;
  /** Running counters (32-bit; diagnostics return the low 16 bits). See C_* for the indices. */
  readonly counters = new Uint32Array(COUNTER_COUNT);
  /** FC 0B's event counter: successful completions, not exceptions or event fetches. */
  eventCount = 0;
  diagnosticRegister = 0;
  listenOnly = false;

  private readonly objects: Array<{ id: number; value: Uint8Array }> = [];
  private readonly serverIdReply: Uint8Array;
  private readonly eventLog = new Uint8Array(64);
  private eventHead = 0;
  private eventStored = 0;
  private exception = 0;
  /** What a request asked to happen once its reply is built: see DEFER_*. */
  private deferred = 0;
  private readonly coilScratch = new Uint8Array(1);

  constructor(options: ServerOptions) {
    this.address = options.address;
    this.map = options.map;
    const identity = options.identity;
    const entries: Array<[number, string | undefined]> = [
      [0x00, identity.vendorName],
      [0x01, identity.productCode],
      [0x02, identity.majorMinorRevision],
      [0x03, identity.vendorUrl],
      [0x04, identity.productName],
      [0x05, identity.modelName],
      [0x06, identity.userApplicationName],
    ];
    for (const [id, text] of entries) {
      if (text === undefined) continue;
      // An object has to fit one reply on its own: 246 bytes of objects, 2 of them its header.
      this.objects.push({ id, value: encodeUtf8(text).subarray(0, MAX_PDU - 7 - 2) });
    }
    const serverId = options.serverId ?? new Uint8Array([0x46]);
    const info = encodeUtf8(options.serverInfo ?? "");
    const reply = new Uint8Array(Math.min(serverId.length + 1 + info.length, MAX_PDU - 2));
    reply.set(serverId.subarray(0, reply.length));
    if (serverId.length < reply.length) reply[serverId.length] = 0xff; // run indicator: ON
    reply.set(info.subarray(0, reply.length - serverId.length - 1), serverId.length + 1);
    this.serverIdReply = reply;
  }

  /** Zeroes the counters, the event counter and the diagnostic register (08/0A, 08/01, power-up). */
  clearCounters(): void {
    this.counters.fill(0);
    this.eventCount = 0;
    this.diagnosticRegister = 0;
  }

  /** The comm event log, newest first (FC 0C's order). */
  events(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.eventStored; i++) out.push(this.eventLog[(this.eventHead + i) & 63]!);
    return out;
  }

  /**
   * Handles one frame rx[0, length) delimited by the receiver, with its
   * FRAME_* flags. Writes the reply into tx and returns its length with CRC,
   * or 0 when nothing is to be sent.
   */
  handleFrame(rx: Uint8Array, length: number, flags: number, tx: Uint8Array): number {
    const c = this.counters;
    if (flags !== FRAME_OK || !crcValid(rx, length)) {
      // Not a message: its CRC is wrong, or cannot be computed or trusted.
      c[C_BUS_COMM_ERRORS]++;
      this.diagnosticRegister |= DIAG_COMM_ERROR;
      if (flags & FRAME_CHARACTER) c[C_CHARACTER_ERRORS]++;
      if (flags & FRAME_TIMING) c[C_TIMING_ERRORS]++;
      if (flags & FRAME_OVERRUN) {
        // Only messages for this slave count as overruns (08/12); the address
        // is the first character, the one least likely to be the lost one.
        const unit = rx[0];
        if (length > 0 && (unit === this.address || unit === 0)) {
          c[C_OVERRUNS]++;
          this.diagnosticRegister |= DIAG_OVERRUN;
          this.logEvent(0x80 | 0x10 | (this.listenOnly ? 0x20 : 0));
        }
      }
      return 0;
    }
    c[C_BUS_MESSAGES]++;
    const unit = rx[0]!;
    if (unit !== 0 && unit !== this.address) {
      c[C_OTHER_ADDRESS]++;
      return 0;
    }
    c[C_SERVER_MESSAGES]++;
    const broadcast = unit === 0;
    if (broadcast) c[C_BROADCASTS]++;
    const fc = rx[1]!;
    const listen = this.listenOnly ? 0x20 : 0;
    this.logEvent(0x80 | listen | (broadcast ? 0x40 : 0));

    if (this.listenOnly) {
      // Only "restart communications" is acted on; it leaves listen-only without a reply.
      c[C_NO_RESPONSE]++;
      if (fc === 0x08 && length === 8 && rx[2] === 0 && rx[3] === 0x01 && rx[5] === 0 && (rx[4] === 0 || rx[4] === 0xff)) {
        this.restart(rx[4] === 0xff);
      } else {
        this.logEvent(0x40 | 0x20);
      }
      return 0;
    }

    this.exception = 0;
    this.deferred = DEFER_NONE;
    const pdu = broadcast ? this.executeBroadcast(rx, length, fc) : this.execute(rx, length, fc, tx);
    let reply = 0;
    if (pdu === WRONG_LENGTH) {
      c[C_LENGTH_ERRORS]++;
      c[C_NO_RESPONSE]++;
      this.logEvent(0x40 | (this.listenOnly ? 0x20 : 0));
    } else if (pdu === 0 || broadcast) {
      // Broadcasts and force-listen-only send nothing.
      c[C_NO_RESPONSE]++;
      if (this.exception === 0) this.eventCount = (this.eventCount + 1) & 0xffff;
      // An error found in a broadcast is an exception (08/0D) though none is sent.
      else c[C_EXCEPTIONS]++;
      this.logEvent(0x40 | (this.listenOnly ? 0x20 : 0));
    } else {
      const code = this.exception;
      if (code !== 0) {
        c[C_EXCEPTIONS]++;
        if (code === 6) c[C_BUSY]++;
        if (code === 7) c[C_NAK]++;
        this.logEvent(0x40 | (code <= 3 ? 0x01 : code === 4 ? 0x02 : code <= 6 ? 0x04 : 0x08));
      } else {
        if (fc !== 0x0b && fc !== 0x0c) this.eventCount = (this.eventCount + 1) & 0xffff;
        this.logEvent(0x40);
      }
      tx[0] = unit;
      reply = appendCrc(tx, 1 + pdu);
    }
    // Restart and clear-counters take effect after the reply they answer.
    switch (this.deferred) {
      case DEFER_RESTART:
      case DEFER_RESTART_CLEAR_LOG:
        this.restart(this.deferred === DEFER_RESTART_CLEAR_LOG);
        break;
      case DEFER_CLEAR_COUNTERS:
        this.clearCounters();
        break;
    }
    return reply;
  }

  /** Writes an exception reply PDU; returns its length. */
  private fail(tx: Uint8Array, fc: number, code: number): number {
    this.exception = code;
    tx[1] = fc | 0x80;
    tx[2] = code;
    return 2;
  }

  /** Executes a unicast request; returns the reply PDU length (at tx[1]), 0 for no reply, or WRONG_LENGTH. */
  private execute(rx: Uint8Array, length: number, fc: number, tx: Uint8Array): number {
    const map = this.map;
    switch (fc) {
      case 0x01:
      case 0x02: {
        if (length !== 8) return WRONG_LENGTH;
        const quantity = (rx[4]! << 8) | rx[5]!;
        if (quantity < 1 || quantity > 2000) return this.fail(tx, fc, ILLEGAL_DATA_VALUE);
        const start = (rx[2]! << 8) | rx[3]!;
        const code = map.readBits(fc === 0x01 ? map.coils : map.discreteInputs, start, quantity, tx, 3);
        if (code !== OK) return this.fail(tx, fc, code);
        tx[1] = fc;
        tx[2] = (quantity + 7) >>> 3;
        return 2 + tx[2];
      }
      case 0x03:
      case 0x04: {
        if (length !== 8) return WRONG_LENGTH;
        const quantity = (rx[4]! << 8) | rx[5]!;
        if (quantity < 1 || quantity > 125) return this.fail(tx, fc, ILLEGAL_DATA_VALUE);
        const start = (rx[2]! << 8) | rx[3]!;
        const code = map.readRegisters(fc === 0x03 ? map.holdingRegisters : map.inputRegisters, start, quantity, tx, 3);
        if (code !== OK) return this.fail(tx, fc, code);
        tx[1] = fc;
        tx[2] = quantity << 1;
        return 2 + (quantity << 1);
      }
      case 0x05: {
        if (length !== 8) return WRONG_LENGTH;
        const code = this.writeSingleCoil(rx);
        if (code !== OK) return this.fail(tx, fc, code);
        return echo(rx, tx, 5);
      }
      case 0x06: {
        if (length !== 8) return WRONG_LENGTH;
        const code = map.writeRegisters((rx[2]! << 8) | rx[3]!, 1, rx, 4);
        if (code !== OK) return this.fail(tx, fc, code);
        return echo(rx, tx, 5);
      }
      case 0x0f: {
        const code = this.writeMultipleCoils(rx, length);
        if (code === WRONG_LENGTH) return WRONG_LENGTH;
        if (code !== OK) return this.fail(tx, fc, code);
        return echo(rx, tx, 5);
      }
      case 0x10: {
        const code = this.writeMultipleRegisters(rx, length);
        if (code === WRONG_LENGTH) return WRONG_LENGTH;
        if (code !== OK) return this.fail(tx, fc, code);
        return echo(rx, tx, 5);
      }
      case 0x16: {
        if (length !== 10) return WRONG_LENGTH;
        const code = map.maskWriteRegister((rx[2]! << 8) | rx[3]!, (rx[4]! << 8) | rx[5]!, (rx[6]! << 8) | rx[7]!);
        if (code !== OK) return this.fail(tx, fc, code);
        return echo(rx, tx, 7);
      }
      case 0x17: {
        if (length < 13 || length !== 13 + rx[10]!) return WRONG_LENGTH;
        if (!readWriteQuantitiesValid(rx)) return this.fail(tx, fc, ILLEGAL_DATA_VALUE);
        const readStart = (rx[2]! << 8) | rx[3]!;
        const readQuantity = (rx[4]! << 8) | rx[5]!;
        if (map.holdingRegisters.cover(readStart, readQuantity) < 0) return this.fail(tx, fc, ILLEGAL_DATA_ADDRESS);
        // The write happens before the read (application protocol §6.17).
        let code = map.writeRegisters((rx[6]! << 8) | rx[7]!, (rx[8]! << 8) | rx[9]!, rx, 11);
        if (code === OK) code = map.readRegisters(map.holdingRegisters, readStart, readQuantity, tx, 3);
        if (code !== OK) return this.fail(tx, fc, code);
        tx[1] = fc;
        tx[2] = readQuantity << 1;
        return 2 + (readQuantity << 1);
      }
      case 0x08:
        return this.diagnostics(rx, length, tx);
      case 0x0b:
        if (length !== 4) return WRONG_LENGTH;
        tx[1] = fc;
        tx[2] = 0; // status: no program command in progress
        tx[3] = 0;
        tx[4] = this.eventCount >>> 8;
        tx[5] = this.eventCount & 0xff;
        return 5;
      case 0x0c: {
        if (length !== 4) return WRONG_LENGTH;
        const n = this.eventStored;
        const messages = this.counters[C_BUS_MESSAGES]! & 0xffff;
        tx[1] = fc;
        tx[2] = 6 + n;
        tx[3] = 0;
        tx[4] = 0;
        tx[5] = this.eventCount >>> 8;
        tx[6] = this.eventCount & 0xff;
        tx[7] = messages >>> 8;
        tx[8] = messages & 0xff;
        for (let i = 0; i < n; i++) tx[9 + i] = this.eventLog[(this.eventHead + i) & 63]!;
        return 8 + n;
      }
      case 0x11: {
        if (length !== 4) return WRONG_LENGTH;
        const reply = this.serverIdReply;
        tx[1] = fc;
        tx[2] = reply.length;
        tx.set(reply, 3);
        return 2 + reply.length;
      }
      case 0x2b:
        if (length < 5) return WRONG_LENGTH;
        // MEI types other than 0E (CANopen general reference, 0D) are not implemented.
        if (rx[2] !== 0x0e) return this.fail(tx, fc, ILLEGAL_FUNCTION);
        if (length !== 7) return WRONG_LENGTH;
        return this.identification(rx[3]!, rx[4]!, tx);
      default:
        return this.fail(tx, fc, ILLEGAL_FUNCTION);
    }
  }

  /**
   * Broadcasts: writes are executed (FC 17 its write only: a read has no one
   * to go to), and the diagnostics commands that change state; nothing is
   * answered. Anything else cannot be carried out without a reply: it is an
   * error in the broadcast (serial line spec §2.1: broadcasts are writes),
   * counted like the exception it would have been. Returns 0, with the
   * exception code in this.exception, or WRONG_LENGTH.
   */
  private executeBroadcast(rx: Uint8Array, length: number, fc: number): number {
    const map = this.map;
    let code = OK;
    switch (fc) {
      case 0x05:
        if (length !== 8) return WRONG_LENGTH;
        code = this.writeSingleCoil(rx);
        break;
      case 0x06:
        if (length !== 8) return WRONG_LENGTH;
        code = map.writeRegisters((rx[2]! << 8) | rx[3]!, 1, rx, 4);
        break;
      case 0x0f:
        code = this.writeMultipleCoils(rx, length);
        break;
      case 0x10:
        code = this.writeMultipleRegisters(rx, length);
        break;
      case 0x16:
        if (length !== 10) return WRONG_LENGTH;
        code = map.maskWriteRegister((rx[2]! << 8) | rx[3]!, (rx[4]! << 8) | rx[5]!, (rx[6]! << 8) | rx[7]!);
        break;
      case 0x17:
        if (length < 13 || length !== 13 + rx[10]!) return WRONG_LENGTH;
        code = readWriteQuantitiesValid(rx) ? map.writeRegisters((rx[6]! << 8) | rx[7]!, (rx[8]! << 8) | rx[9]!, rx, 11) : ILLEGAL_DATA_VALUE;
        break;
      case 0x08: {
        if (length < 6) return WRONG_LENGTH;
        const sub = (rx[2]! << 8) | rx[3]!;
        if (sub !== 0x01 && sub !== 0x04 && sub !== 0x0a && sub !== 0x14) {
          // Echoes, registers and counters only make sense as replies.
          code = ILLEGAL_FUNCTION;
          break;
        }
        if (length !== 8) return WRONG_LENGTH;
        const data = (rx[4]! << 8) | rx[5]!;
        if (sub === 0x01) {
          if (data === 0 || data === 0xff00) this.deferred = data === 0xff00 ? DEFER_RESTART_CLEAR_LOG : DEFER_RESTART;
          else code = ILLEGAL_DATA_VALUE;
        } else if (data !== 0) code = ILLEGAL_DATA_VALUE;
        else if (sub === 0x04) this.enterListenOnly();
        else if (sub === 0x0a) this.deferred = DEFER_CLEAR_COUNTERS;
        else this.clearOverrun();
        break;
      }
      default:
        // Reads and everything else have no meaning without a reply.
        code = ILLEGAL_FUNCTION;
    }
    if (code === WRONG_LENGTH) return WRONG_LENGTH;
    this.exception = code;
    return 0;
  }

  private writeSingleCoil(rx: Uint8Array): number {
    const value = (rx[4]! << 8) | rx[5]!;
    if (value !== 0xff00 && value !== 0x0000) return ILLEGAL_DATA_VALUE;
    this.coilScratch[0] = value === 0 ? 0 : 1;
    return this.map.writeCoils((rx[2]! << 8) | rx[3]!, 1, this.coilScratch, 0);
  }

  private writeMultipleCoils(rx: Uint8Array, length: number): number {
    if (length < 9 || length !== 9 + rx[6]!) return WRONG_LENGTH;
    const quantity = (rx[4]! << 8) | rx[5]!;
    if (quantity < 1 || quantity > 1968 || rx[6] !== (quantity + 7) >>> 3) return ILLEGAL_DATA_VALUE;
    return this.map.writeCoils((rx[2]! << 8) | rx[3]!, quantity, rx, 7);
  }

  private writeMultipleRegisters(rx: Uint8Array, length: number): number {
    if (length < 9 || length !== 9 + rx[6]!) return WRONG_LENGTH;
    const quantity = (rx[4]! << 8) | rx[5]!;
    if (quantity < 1 || quantity > 123 || rx[6] !== quantity << 1) return ILLEGAL_DATA_VALUE;
    return this.map.writeRegisters((rx[2]! << 8) | rx[3]!, quantity, rx, 7);
  }

  private diagnostics(rx: Uint8Array, length: number, tx: Uint8Array): number {
    if (length < 6) return WRONG_LENGTH;
    const sub = (rx[2]! << 8) | rx[3]!;
    if (sub === 0x00) {
      // Return query data: the request echoed, whatever its length.
      return echo(rx, tx, length - 3);
    }
    if (length !== 8) return WRONG_LENGTH;
    const data = (rx[4]! << 8) | rx[5]!;
    const c = this.counters;
    let value: number;
    switch (sub) {
      case 0x01:
        if (data !== 0 && data !== 0xff00) return this.fail(tx, 0x08, ILLEGAL_DATA_VALUE);
        // The reply goes out first; the restart then clears the counters.
        this.deferred = data === 0xff00 ? DEFER_RESTART_CLEAR_LOG : DEFER_RESTART;
        return echo(rx, tx, 5);
      case 0x02:
        if (data !== 0) return this.fail(tx, 0x08, ILLEGAL_DATA_VALUE);
        value = this.diagnosticRegister;
        break;
      case 0x04:
        if (data !== 0) return this.fail(tx, 0x08, ILLEGAL_DATA_VALUE);
        this.enterListenOnly();
        return 0;
      case 0x0a:
        if (data !== 0) return this.fail(tx, 0x08, ILLEGAL_DATA_VALUE);
        this.deferred = DEFER_CLEAR_COUNTERS;
        return echo(rx, tx, 5);
      case 0x0b:
      case 0x0c:
      case 0x0d:
      case 0x0e:
      case 0x0f:
      case 0x10:
      case 0x11:
      case 0x12:
        if (data !== 0) return this.fail(tx, 0x08, ILLEGAL_DATA_VALUE);
        value = c[sub - 0x0b]! & 0xffff;
        break;
      case 0x14:
        if (data !== 0) return this.fail(tx, 0x08, ILLEGAL_DATA_VALUE);
        this.clearOverrun();
        return echo(rx, tx, 5);
      default:
        return this.fail(tx, 0x08, ILLEGAL_FUNCTION);
    }
    tx[1] = 0x08;
    tx[2] = rx[2]!;
    tx[3] = rx[3]!;
    tx[4] = value >>> 8;
    tx[5] = value & 0xff;
    return 5;
  }

  /** 08/14: the overrun counter and the diagnostic register's overrun flag. */
  private clearOverrun(): void {
    this.counters[C_OVERRUNS] = 0;
    this.diagnosticRegister &= ~DIAG_OVERRUN;
  }

  /** 08/01: counters cleared, listen-only left; FF00 also clears the event log. */
  private restart(clearLog: boolean): void {
    this.listenOnly = false;
    this.clearCounters();
    if (clearLog) {
      this.eventLog.fill(0);
      this.eventStored = 0;
    }
    this.logEvent(0x00);
  }

  private enterListenOnly(): void {
    this.listenOnly = true;
    this.logEvent(0x04);
  }

  private logEvent(event: number): void {
    this.eventHead = (this.eventHead + 63) & 63;
    this.eventLog[this.eventHead] = event;
    if (this.eventStored < 64) this.eventStored++;
  }

  /** FC 2B / MEI 0E: stream access (codes 1-3) and individual access (code 4). */
  private identification(readCode: number, objectId: number, tx: Uint8Array): number {
    if (readCode < 1 || readCode > 4) return this.fail(tx, 0x2b, ILLEGAL_DATA_VALUE);
    const objects = this.objects;
    tx[1] = 0x2b;
    tx[2] = 0x0e;
    tx[3] = readCode;
    tx[4] = CONFORMITY;
    let o = 8;
    if (readCode === 4) {
      let found = -1;
      for (let i = 0; i < objects.length; i++) if (objects[i]!.id === objectId) found = i;
      if (found < 0) return this.fail(tx, 0x2b, ILLEGAL_DATA_ADDRESS);
      const { id, value } = objects[found]!;
      tx[5] = 0;
      tx[6] = 0;
      tx[7] = 1;
      tx[o++] = id;
      tx[o++] = value.length;
      tx.set(value, o);
      return o + value.length - 1;
    }
    const last = readCode === 1 ? 0x02 : readCode === 2 ? 0x7f : 0xff;
    // An object id this category does not hold restarts the stream at the first object.
    let start = 0;
    for (let i = 0; i < objects.length; i++) if (objects[i]!.id === objectId && objectId <= last) start = i;
    let count = 0;
    let more = 0;
    let next = 0;
    for (let i = start; i < objects.length && objects[i]!.id <= last; i++) {
      const { id, value } = objects[i]!;
      if (o + 2 + value.length > MAX_PDU + 1) {
        more = 0xff;
        next = id;
        break;
      }
      tx[o++] = id;
      tx[o++] = value.length;
      tx.set(value, o);
      o += value.length;
      count++;
    }
    tx[5] = more;
    tx[6] = next;
    tx[7] = count;
    return o - 1;
  }
}

/** FC 17's quantities: read 1-125, write 1-121, and a byte count of twice the write quantity. */
function readWriteQuantitiesValid(rx: Uint8Array): boolean {
  const readQuantity = (rx[4]! << 8) | rx[5]!;
  const writeQuantity = (rx[8]! << 8) | rx[9]!;
  return readQuantity >= 1 && readQuantity <= 125 && writeQuantity >= 1 && writeQuantity <= 121 && rx[10] === writeQuantity << 1;
}

/** Copies the request PDU's first `pduLength` bytes as the reply (FC 05, 06, 0F, 10, 16, 08). */
function echo(rx: Uint8Array, tx: Uint8Array, pduLength: number): number {
  for (let i = 1; i <= pduLength; i++) tx[i] = rx[i]!;
  return pduLength;
}

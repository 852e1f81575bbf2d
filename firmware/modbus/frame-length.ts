/**
 * How long an RTU frame is, from its first bytes. On a wire, RTU frames are
 * delimited by silence; over a byte stream (RTU over TCP, a pseudo-terminal,
 * a UART FIFO that hands bytes over in bursts) the length has to come from
 * the frame itself. Shared by the slave, the simulator's gateway and the
 * technician tools.
 *
 * Results: the whole ADU length (address, PDU, CRC); NEED_MORE when more
 * header bytes are needed to tell; UNKNOWN when the function code's length is
 * not known (the frame then ends at silence, or when its CRC matches).
 */
export const NEED_MORE = -1;
export const UNKNOWN = -2;

/** Length of a request (master to slave) starting at frame[0]. */
export function requestLength(frame: Uint8Array, available: number): number {
  if (available < 2) return NEED_MORE;
  switch (frame[1]) {
    case 0x01:
    case 0x02:
    case 0x03:
    case 0x04:
    case 0x05:
    case 0x06:
      return 8;
    case 0x07:
    case 0x0b:
    case 0x0c:
    case 0x11:
      return 4;
    case 0x08:
      // Sub-function 00 may echo any amount of data; every other one carries
      // two bytes. 8 is the usual length; a longer echo ends at silence.
      return 8;
    case 0x0f:
    case 0x10:
      return available < 7 ? NEED_MORE : 9 + frame[6]!;
    case 0x14:
    case 0x15:
      return available < 3 ? NEED_MORE : 5 + frame[2]!;
    case 0x16:
      return 10;
    case 0x17:
      return available < 11 ? NEED_MORE : 13 + frame[10]!;
    case 0x18:
      return 6;
    case 0x2b:
      if (available < 3) return NEED_MORE;
      return frame[2] === 0x0e ? 7 : UNKNOWN;
    default:
      return UNKNOWN;
  }
}

/** Length of a response (slave to master) starting at frame[0]. */
export function responseLength(frame: Uint8Array, available: number): number {
  if (available < 2) return NEED_MORE;
  const fc = frame[1]!;
  if (fc & 0x80) return 5;
  switch (fc) {
    case 0x01:
    case 0x02:
    case 0x03:
    case 0x04:
    case 0x0c:
    case 0x11:
    case 0x14:
    case 0x15:
    case 0x17:
      return available < 3 ? NEED_MORE : 5 + frame[2]!;
    case 0x05:
    case 0x06:
    case 0x08:
    case 0x0b:
    case 0x0f:
    case 0x10:
      return 8;
    case 0x07:
      return 5;
    case 0x16:
      return 10;
    case 0x18:
      return available < 4 ? NEED_MORE : 6 + ((frame[2]! << 8) | frame[3]!);
    case 0x2b: {
      if (available < 3) return NEED_MORE;
      if (frame[2] !== 0x0e) return UNKNOWN;
      // addr fc mei code conformity more next count, then [id len value]...
      if (available < 8) return NEED_MORE;
      let offset = 8;
      for (let n = frame[7]!; n > 0; n--) {
        if (available < offset + 2) return NEED_MORE;
        offset += 2 + frame[offset + 1]!;
      }
      return offset + 2;
    }
    default:
      return UNKNOWN;
  }
}

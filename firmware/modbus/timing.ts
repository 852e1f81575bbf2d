/**
 * Character and frame timing of Modbus RTU over a serial line (serial line
 * spec v1.02 §2.5.1.1). A character is a start bit, 8 data bits, the parity
 * bit if any, and the stop bits: 11 bits in the spec's 8E1 / 8O1 / 8N2
 * formats, 10 in the non-standard but common 8N1.
 *
 * Inside a frame, a silence of more than 1.5 character times makes the frame
 * incomplete; 3.5 character times of silence end it. Above 19200 baud the
 * spec fixes the two at 750 µs and 1750 µs.
 */
export type Parity = "none" | "even" | "odd";
export type StopBits = 1 | 2;

export interface LineFormat {
  readonly baud: number;
  readonly parity: Parity;
  readonly stopBits: StopBits;
}

export interface FrameTiming {
  /** Bits per character, start and stop bits included. */
  readonly bits: number;
  /** Time one character occupies the line, µs. */
  readonly characterUs: number;
  /** Longest silence allowed between two characters of a frame, µs. */
  readonly t15Us: number;
  /** Silence that separates frames, µs. */
  readonly t35Us: number;
}

export function characterBits(format: LineFormat): number {
  return 1 + 8 + (format.parity === "none" ? 0 : 1) + format.stopBits;
}

export function frameTiming(format: LineFormat): FrameTiming {
  const bits = characterBits(format);
  const characterUs = (bits * 1e6) / format.baud;
  if (format.baud > 19200) return { bits, characterUs, t15Us: 750, t35Us: 1750 };
  return { bits, characterUs, t15Us: 1.5 * characterUs, t35Us: 3.5 * characterUs };
}

/** The serial line spec's default: 19200 baud, even parity, one stop bit. */
export const DEFAULT_LINE: LineFormat = { baud: 19200, parity: "even", stopBits: 1 };

/**
 * A byte stream to one Modbus line: a serial port or pseudo-terminal, or a
 * TCP connection to an RTU-over-TCP gateway. The master owns framing,
 * timeouts and retries; a transport only moves bytes and says what it is.
 */
export interface TransportListener {
  data(chunk: Uint8Array): void;
  /** The line went away (socket closed, adapter unplugged). */
  error(error: TransportError): void;
}

export interface Transport {
  /** For messages: "/dev/ttyUSB0 at 19200 8E1", "127.0.0.1:1502 (RTU over TCP)". */
  readonly description: string;
  /** What to check when nothing answers, after "check the slave address (--address)". */
  readonly silenceHint: string;
  /** Silence the line needs before a request, ms: t3.5 on a serial line, 0 over TCP. */
  readonly interFrameMs: number;
  setListener(listener: TransportListener | undefined): void;
  /** Resolves once the bytes are handed to the OS. */
  write(frame: Uint8Array): Promise<void>;
  /** Drops input the OS has buffered and not yet delivered (a serial port's tcflush); a no-op where there is none. */
  discardInput(): Promise<void>;
  close(): Promise<void>;
}

/** The port or host cannot be opened or reached, or went away: exit 3, with what to check. */
export class TransportError extends Error {
  override readonly name = "TransportError";
}

/**
 * Moddable modules that @moddable/typings 5.6 does not declare yet, typed from
 * the Moddable SDK's sources (modules/base/ffi, modules/io/update,
 * modules/io/flash) and its XS FFI documentation.
 */

declare module "mc/ffi" {
  /** Functions declared under "ffi.functions" in the manifest, as methods. */
  export default class FFI {
    constructor();
    [name: string]: (...args: Array<number | bigint | string | ArrayBufferLike>) => unknown;
  }
}

declare module "embedded:storage/flash" {
  export interface FlashPartition {
    readonly format: "buffer";
    read(byteLength: number, byteOffset: number): ArrayBuffer;
    read(target: ArrayBufferLike | ArrayBufferView, byteOffset: number): number;
    write(buffer: ArrayBufferLike | ArrayBufferView, byteOffset: number): void;
    eraseBlock(start: number, end?: number): void;
    status(): { size: number; blockLength: number; blocks: number };
    close(): void;
  }
  const flash: {
    open(options: { path: string; mode?: "r" | "r+"; format?: "buffer" }): FlashPartition;
    [Symbol.iterator](): Iterator<string>;
  };
  export default flash;
}

declare module "embedded:update" {
  import type { FlashPartition } from "embedded:storage/flash";
  export interface Update {
    readonly format: "buffer";
    write(buffer: ArrayBufferLike | ArrayBufferView, byteOffset?: number): void;
    complete(): void;
    close(): void;
  }
  const update: {
    open(options: { partition: FlashPartition; mode?: "a" | "w"; byteLength?: number }): Update;
  };
  export default update;
}

declare module "embedded:network/http/server" {
  // Declared in the Moddable SDK's typings/embedded_network/http/server.d.ts,
  // which @moddable/typings 5.6 does not ship yet.
  import type Listener from "embedded:io/socket/listener";
  export default class HTTPServer {
    constructor(options: { io: typeof Listener; port?: number; onConnect(this: HTTPServer, connection: unknown): void });
    close(): void;
    readonly port: number;
  }
}

/*
 * Moddable's crypto modules used by firmware/platform/esp32/crypto.ts, typed
 * from modules/crypt/digest/crypt.js and modules/crypt/arith/{ec,ecp}.js.
 * The SDK's own typings/crypt.d.ts narrows write() to string | ArrayBuffer;
 * the native side (xsmcGetBufferReadable) takes byte views too.
 */
declare module "crypt" {
  export class Digest {
    constructor(type: "MD5" | "SHA1" | "SHA224" | "SHA256" | "SHA384" | "SHA512");
    write(message: string | ArrayBufferLike | ArrayBufferView): void;
    /** The digest; the context stays allocated, so reset() may start another. */
    close(): ArrayBuffer;
    reset(): void;
    readonly blockSize: number;
    readonly outputSize: number;
  }
}

declare module "ecp" {
  /** A point in affine form as JavaScript sees it (z is 0 for the point at infinity). */
  export default class ECPoint {
    constructor(x: bigint, y: bigint, identity?: boolean);
    x: bigint;
    y: bigint;
    z: bigint;
    X: bigint;
    Y: bigint;
    isZero(): boolean;
  }
}

declare module "ec" {
  import type ECPoint from "ecp";
  /** Short Weierstrass curve y² = x³ + ax + b over GF(m); the arithmetic is native (ec.c). */
  export default class EC {
    constructor(a: bigint, b: bigint, m: bigint);
    readonly a: bigint;
    readonly b: bigint;
    readonly m: bigint;
    inv(p: ECPoint): ECPoint;
    add(a: ECPoint, b: ECPoint): ECPoint;
    mul(a: ECPoint, k: bigint): ECPoint;
    /** a1·k1 + a2·k2 (Shamir's trick), normalised to affine. */
    mul2(a1: ECPoint, k1: bigint, a2: ECPoint, k2: bigint): ECPoint;
  }
}

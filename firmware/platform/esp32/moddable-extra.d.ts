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

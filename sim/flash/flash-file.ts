/**
 * A simulated flash chip backed by a file, so a device keeps its firmware,
 * otadata and settings across simulator restarts. Every change that reaches
 * the chip is written to the file synchronously before the call returns:
 * killing the process can then lose only what a real power cut would.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import { NorFlash } from "./nor-flash.js";

export interface FlashFile {
  flash: NorFlash;
  close(): void;
}

const CHUNK = 64 * 1024;

export function openFlashFile(path: string, size: number): FlashFile {
  const created = !existsSync(path);
  const fd = openSync(path, created ? "w+" : "r+");
  let image: Uint8Array;
  try {
    image = created ? createBlank(fd, size) : load(fd, path, size);
  } catch (error) {
    closeSync(fd);
    throw error;
  }

  let open = true;
  const erased = new Uint8Array(CHUNK).fill(0xff);
  const assertOpen = (): void => {
    if (!open) throw new Error(`flash file ${path} is closed; the simulated chip can no longer be changed`);
  };
  const flash = new NorFlash({
    size,
    image,
    observer: {
      onErase(offset, length) {
        assertOpen();
        for (let done = 0; done < length; done += CHUNK) {
          writeAll(fd, erased.subarray(0, Math.min(CHUNK, length - done)), offset + done);
        }
      },
      onWrite(offset, data) {
        assertOpen();
        writeAll(fd, data, offset);
      },
    },
  });

  return {
    flash,
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}

function createBlank(fd: number, size: number): Uint8Array {
  const image = new Uint8Array(size).fill(0xff);
  writeAll(fd, image, 0);
  return image;
}

function load(fd: number, path: string, size: number): Uint8Array {
  const actual = fstatSync(fd).size;
  if (actual !== size) {
    throw new Error(
      `flash file ${path} holds ${actual} bytes but the simulated chip has ${size}: ` +
        `it belongs to a different flash size. Delete it to start from a blank chip, or open it with size ${actual}.`,
    );
  }
  const image = new Uint8Array(size);
  for (let done = 0; done < size; ) {
    const n = readSync(fd, image, done, size - done, done);
    if (n === 0) throw new Error(`flash file ${path} ended after ${done} of ${size} bytes while loading`);
    done += n;
  }
  return image;
}

function writeAll(fd: number, data: Uint8Array, position: number): void {
  for (let done = 0; done < data.length; ) {
    done += writeSync(fd, data, done, data.length - done, position + done);
  }
}

/**
 * Files are written whole or not at all: into a temporary file in the same
 * directory (so the final step is a rename or link within one filesystem),
 * flushed, then moved into place, and the directory flushed so that the move
 * itself survives a power cut. An interrupted `fieldnode sign` leaves the old
 * image or none, never half of a new one.
 */
import { closeSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync, existsSync, chmodSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";

export interface FileToWrite {
  readonly path: string;
  readonly data: Uint8Array | string;
  /** Permission bits, e.g. 0o600 for private keys. */
  readonly mode: number;
}

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

/** Writes to a temporary file next to `path`, with `mode` exactly (not widened or narrowed by the umask). */
function writeTemp(file: FileToWrite): string {
  const temp = tempPathFor(file.path);
  const fd = openSync(temp, "wx", file.mode);
  try {
    const data = typeof file.data === "string" ? Buffer.from(file.data, "utf8") : file.data;
    let written = 0;
    while (written < data.length) written += writeSync(fd, data, written, data.length - written);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkQuietly(temp);
    throw error;
  }
  closeSync(fd);
  chmodSync(temp, file.mode);
  return temp;
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone, or never made: either way not ours to report.
  }
}

/**
 * Platforms that cannot open or flush a directory say so with these (and a
 * directory may be writable without being readable); there the rename is as
 * durable as the platform makes it, which is the best effort available.
 */
const DIRECTORY_SYNC_UNSUPPORTED = new Set(["EISDIR", "EINVAL", "EPERM", "ENOTSUP", "EACCES"]);

/**
 * Flushes the directory entry a rename or link made: until then the new name
 * may exist only in the page cache, and a power cut can bring back the old
 * file (or no file) even though the data itself was flushed.
 */
function syncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, "r");
  } catch (error) {
    if (DIRECTORY_SYNC_UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? "")) return;
    throw error;
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    if (!DIRECTORY_SYNC_UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? "")) throw error;
  } finally {
    closeSync(fd);
  }
}

/** Replaces (or creates) `file.path` atomically. */
export function writeFileAtomic(file: FileToWrite): void {
  const temp = writeTemp(file);
  try {
    renameSync(temp, file.path);
  } catch (error) {
    unlinkQuietly(temp);
    throw error;
  }
  syncDirectory(dirname(file.path));
}

/** Thrown when a file that must not be overwritten exists; nothing was written. */
export class FileExistsError extends Error {
  readonly path: string;
  constructor(path: string) {
    super(`${path} already exists`);
    this.name = "FileExistsError";
    this.path = path;
  }
}

/**
 * Creates every file or none, and never replaces an existing one. Each file
 * is linked into place from its temporary copy, and a link fails if the name
 * exists, so two keygens racing for the same name cannot both win.
 */
export function createFilesExclusive(files: readonly FileToWrite[]): void {
  for (const file of files) if (existsSync(file.path)) throw new FileExistsError(file.path);
  const temps: string[] = [];
  const placed: string[] = [];
  try {
    for (const file of files) temps.push(writeTemp(file));
    files.forEach((file, i) => {
      try {
        linkSync(temps[i]!, file.path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST") throw new FileExistsError(file.path);
        throw error;
      }
      placed.push(file.path);
    });
  } catch (error) {
    for (const path of placed) unlinkQuietly(path);
    throw error;
  } finally {
    for (const temp of temps) unlinkQuietly(temp);
  }
  // After the temporaries are unlinked, so their removal is flushed along with the new names.
  for (const dir of new Set(files.map((file) => dirname(file.path)))) syncDirectory(dir);
}

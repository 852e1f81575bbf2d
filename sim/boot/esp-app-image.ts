/**
 * An ESP-IDF application image as it sits in an app partition, with the
 * checks the second-stage bootloader applies before it will run one
 * (esp_image_verify): header magic, chip, segment bounds and alignment, the
 * XOR checksum and the appended SHA-256.
 *
 * Layout:
 *   esp_image_header_t (24 bytes)
 *   per segment: { u32 load_addr, u32 data_len } + data_len bytes
 *   zero padding, then the checksum byte as the last byte of a 16-byte block
 *   SHA-256 of everything before it (when hash_appended is set)
 *
 * The first segment is the DROM segment that starts with esp_app_desc_t,
 * mapped at 0x3F400020 so that its 0x20 offset in flash matches its address
 * within the 64 KiB MMU page, as in every real ESP32 app. On the chip the rest
 * is machine code; in the simulator it is a u32 byte count and then the
 * firmware's JavaScript bundle, padded to the 4-byte segment granularity.
 */
import { decodeUtf8, encodeUtf8 } from "../../firmware/core/utf8";
import { sha256 as portableSha256 } from "@noble/hashes/sha2.js";

/** An incremental SHA-256: an image in flash is hashed sector by sector, never copied into one array first. */
export interface ImageHasher {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array;
}

let createHasher: () => ImageHasher = () => portableSha256.create();

/**
 * Swaps the SHA-256 the image checks use. The portable one runs anywhere (the
 * XS suite runs these models); the simulator on Node installs node:crypto's
 * (sim/boot/node-image-hash.ts), as the ESP32 hashes images in hardware.
 */
export function setImageHash(create: () => ImageHasher): void {
  createHasher = create;
}

function sha256(data: Uint8Array): Uint8Array {
  const hasher = createHasher();
  hasher.update(data);
  return hasher.digest();
}

export interface AppDescriptor {
  secureVersion: number;
  version: string;
  projectName: string;
  time: string;
  date: string;
  idfVersion: string;
  /** app_elf_sha256: here the SHA-256 of the payload, the build's identity. */
  appElfSha256: Uint8Array;
}

export interface AppImageInput {
  version: string;
  projectName: string;
  secureVersion: number;
  payload: Uint8Array;
  /** __TIME__ / __DATE__ style; fixed defaults keep images reproducible. */
  time?: string;
  date?: string;
  idfVersion?: string;
}

export interface VerifiedAppImage {
  descriptor: AppDescriptor;
  payload: Uint8Array;
  /** Bytes the image occupies, checksum and hash included. */
  length: number;
}

export type AppImageVerification = ({ ok: true } & VerifiedAppImage) | { ok: false; reason: string };

/**
 * Where an image is checked: one array, or a flash chip's sectors, visited in
 * place (a slot is hashed and checksummed where it lies, not copied out).
 */
export interface ImageSource {
  readonly length: number;
  /** A copy of a few bytes: a header, the descriptor. */
  read(offset: number, length: number): Uint8Array;
  /** [offset, offset + length) in order, as views valid only during the call; never written through. */
  visit(offset: number, length: number, each: (chunk: Uint8Array) => void): void;
}

/** What a check finds in a good image: everything but the payload's bytes, which only a boot needs. */
export interface CheckedAppImage {
  descriptor: AppDescriptor;
  length: number;
  payloadOffset: number;
  payloadLength: number;
}

export type AppImageCheck = ({ ok: true } & CheckedAppImage) | { ok: false; reason: string };

export const IMAGE_MAGIC = 0xe9;
export const APP_DESC_MAGIC = 0xabcd5432;
const CHIP_ID_ESP32 = 0x0000;
const HEADER_SIZE = 24;
const SEGMENT_HEADER_SIZE = 8;
const APP_DESC_SIZE = 256;
const MAX_SEGMENTS = 16;
const CHECKSUM_SEED = 0xef;
const HASH_SIZE = 32;
const SIXTEEN_MB = 16 * 1024 * 1024;
const MMU_PAGE = 0x10000;
const DROM_SEGMENT_ADDR = 0x3f400020;
const ENTRY_ADDR = 0x40081000;
/** DIO, 40 MHz, 4 MB: what the sdkconfig selects; the simulator never reads them. */
const SPI_MODE_DIO = 2;
const SPI_SPEED_SIZE_4MB_40M = 0x20;
const WP_PIN_DISABLED = 0xee;
/** Address ranges the flash cache maps (DROM, IROM); segments there must keep their page offset. */
const MAPPED_RANGES: readonly (readonly [number, number])[] = [
  [0x3f400000, 0x3f800000],
  [0x400d0000, 0x40400000],
];

const FIELD = { version: 32, projectName: 32, time: 16, date: 16, idfVersion: 32 } as const;

export function buildAppImage(input: AppImageInput): Uint8Array {
  if (!Number.isInteger(input.secureVersion) || input.secureVersion < 0 || input.secureVersion > 0xffffffff) {
    throw new RangeError(`secure_version must be a u32, got ${input.secureVersion}`);
  }
  const desc = encodeDescriptor({
    secureVersion: input.secureVersion,
    version: input.version,
    projectName: input.projectName,
    time: input.time ?? "00:00:00",
    date: input.date ?? "Jan  1 2000",
    idfVersion: input.idfVersion ?? "fieldnode-sim",
    appElfSha256: sha256(input.payload),
  });

  const segmentLength = align(APP_DESC_SIZE + 4 + input.payload.length, 4);
  if (segmentLength >= SIXTEEN_MB) throw new RangeError(`payload of ${input.payload.length} bytes does not fit a 16 MB segment`);
  const segment = new Uint8Array(segmentLength);
  segment.set(desc, 0);
  new DataView(segment.buffer).setUint32(APP_DESC_SIZE, input.payload.length, true);
  segment.set(input.payload, APP_DESC_SIZE + 4);

  const checksumAt = checksumOffset(HEADER_SIZE + SEGMENT_HEADER_SIZE + segmentLength);
  const image = new Uint8Array(checksumAt + 1 + HASH_SIZE);
  const view = new DataView(image.buffer);
  image[0] = IMAGE_MAGIC;
  image[1] = 1;
  image[2] = SPI_MODE_DIO;
  image[3] = SPI_SPEED_SIZE_4MB_40M;
  view.setUint32(4, ENTRY_ADDR, true);
  image[8] = WP_PIN_DISABLED;
  view.setUint16(12, CHIP_ID_ESP32, true);
  image[23] = 1;
  view.setUint32(HEADER_SIZE, DROM_SEGMENT_ADDR, true);
  view.setUint32(HEADER_SIZE + 4, segmentLength, true);
  image.set(segment, HEADER_SIZE + SEGMENT_HEADER_SIZE);
  image[checksumAt] = xorChecksum(CHECKSUM_SEED, segment);
  image.set(sha256(image.subarray(0, checksumAt + 1)), checksumAt + 1);
  return image;
}

/**
 * Checks an image the way esp_image_verify does. `bytes` may run past the
 * image (a whole partition); `maxLength` is the partition size the image must
 * fit. Offsets are taken relative to the image start, which matches the
 * bootloader's flash addresses because app partitions are 64 KiB aligned.
 */
export function verifyAppImage(bytes: Uint8Array, maxLength: number): AppImageVerification {
  const checked = checkAppImage(
    { length: bytes.length, read: (offset, length) => bytes.slice(offset, offset + length), visit: (offset, length, each) => each(bytes.subarray(offset, offset + length)) },
    maxLength,
  );
  if (!checked.ok) return checked;
  const { descriptor, length, payloadOffset, payloadLength } = checked;
  return { ok: true, descriptor, payload: bytes.slice(payloadOffset, payloadOffset + payloadLength), length };
}

/** verifyAppImage's checks over any ImageSource, in the same order and with the same reasons. */
export function checkAppImage(source: ImageSource, maxLength: number): AppImageCheck {
  const limit = Math.min(source.length, maxLength);
  const fail = (reason: string): AppImageCheck => ({ ok: false, reason });
  if (limit < HEADER_SIZE) return fail(`image header needs ${HEADER_SIZE} bytes, only ${limit} available`);
  const header = source.read(0, HEADER_SIZE);

  if (header[0] !== IMAGE_MAGIC) return fail(`image has invalid magic byte 0x${hex(header[0]!, 2)} (expected 0x${hex(IMAGE_MAGIC, 2)})`);
  const segmentCount = header[1]!;
  if (segmentCount > MAX_SEGMENTS) return fail(`image segment count ${segmentCount} exceeds max ${MAX_SEGMENTS}`);
  if (segmentCount === 0) return fail("image has no segments, so no app description");
  const chipId = new DataView(header.buffer, header.byteOffset, HEADER_SIZE).getUint16(12, true);
  if (chipId !== CHIP_ID_ESP32) return fail(`mismatch chip ID, expected ${CHIP_ID_ESP32}, found ${chipId}`);
  const hashAppended = header[23] !== 0;

  // The segment headers alone decide the layout and every check but the checksum and the hash.
  const segments: { at: number; length: number }[] = [];
  let offset = HEADER_SIZE;
  for (let index = 0; index < segmentCount; index++) {
    if (offset + SEGMENT_HEADER_SIZE > limit) return fail(`segment ${index} header at 0x${hex(offset)} runs past the end of the partition`);
    const segment = source.read(offset, SEGMENT_HEADER_SIZE);
    const view = new DataView(segment.buffer, segment.byteOffset, SEGMENT_HEADER_SIZE);
    const loadAddr = view.getUint32(0, true);
    const dataLen = view.getUint32(4, true);
    const dataAt = offset + SEGMENT_HEADER_SIZE;
    if (dataLen % 4 !== 0 || dataLen >= SIXTEEN_MB) return fail(`invalid segment length 0x${hex(dataLen)} in segment ${index}`);
    if (dataAt + dataLen > limit) {
      return fail(`segment ${index} data 0x${hex(dataAt)}-0x${hex(dataAt + dataLen)} runs past the end of the partition (0x${hex(limit)})`);
    }
    if (isMapped(loadAddr) && dataAt % MMU_PAGE !== loadAddr % MMU_PAGE) {
      return fail(`segment ${index} load address 0x${hex(loadAddr, 8)} doesn't match data at 0x${hex(dataAt, 8)}`);
    }
    segments.push({ at: dataAt, length: dataLen });
    offset = dataAt + dataLen;
  }

  const checksumAt = checksumOffset(offset);
  const length = checksumAt + 1 + (hashAppended ? HASH_SIZE : 0);
  if (length > maxLength) return fail(`image length ${length} doesn't fit in partition length ${maxLength}`);
  if (length > source.length) return fail(`image length ${length} runs past the ${source.length} bytes available`);

  // One pass over the image for both: the XOR of the segments' data, and the SHA-256 of everything before the hash.
  const hasher = hashAppended ? createHasher() : undefined;
  let checksum = CHECKSUM_SEED;
  let position = 0;
  let next = 0;
  source.visit(0, checksumAt + 1, (chunk) => {
    hasher?.update(chunk);
    const end = position + chunk.length;
    for (; next < segments.length && segments[next]!.at < end; next++) {
      const { at, length: dataLength } = segments[next]!;
      const from = Math.max(at, position);
      const to = Math.min(at + dataLength, end);
      checksum = xorChecksum(checksum, chunk.subarray(from - position, to - position));
      // A segment that goes on past this chunk is picked up again in the next one.
      if (at + dataLength > end) break;
    }
    position = end;
  });
  const stored = source.read(checksumAt, 1)[0]!;
  if (stored !== checksum) return fail(`checksum failed: calculated 0x${hex(checksum, 2)}, read 0x${hex(stored, 2)}`);
  if (hasher !== undefined && !equal(hasher.digest(), source.read(checksumAt + 1, HASH_SIZE))) return fail("image hash failed - image is corrupt");

  const segment = segments[0]!;
  if (segment.length < APP_DESC_SIZE + 4) return fail(`first segment is ${segment.length} bytes, too short for esp_app_desc_t`);
  const head = source.read(segment.at, APP_DESC_SIZE + 4);
  const descriptor = decodeDescriptor(head);
  if (descriptor === undefined) return fail(`esp_app_desc_t magic word is not 0x${hex(APP_DESC_MAGIC, 8)}`);
  const payloadLength = new DataView(head.buffer, head.byteOffset + APP_DESC_SIZE, 4).getUint32(0, true);
  if (APP_DESC_SIZE + 4 + payloadLength > segment.length) {
    return fail(`payload length ${payloadLength} runs past the first segment (${segment.length} bytes)`);
  }
  return { ok: true, descriptor, length, payloadOffset: segment.at + APP_DESC_SIZE + 4, payloadLength };
}

function encodeDescriptor(descriptor: AppDescriptor): Uint8Array {
  const bytes = new Uint8Array(APP_DESC_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, APP_DESC_MAGIC, true);
  view.setUint32(4, descriptor.secureVersion, true);
  putString(bytes, 16, FIELD.version, descriptor.version, "version");
  putString(bytes, 48, FIELD.projectName, descriptor.projectName, "projectName");
  putString(bytes, 80, FIELD.time, descriptor.time, "time");
  putString(bytes, 96, FIELD.date, descriptor.date, "date");
  putString(bytes, 112, FIELD.idfVersion, descriptor.idfVersion, "idfVersion");
  bytes.set(descriptor.appElfSha256, 144);
  return bytes;
}

function decodeDescriptor(bytes: Uint8Array): AppDescriptor | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, APP_DESC_SIZE);
  if (view.getUint32(0, true) !== APP_DESC_MAGIC) return undefined;
  return {
    secureVersion: view.getUint32(4, true),
    version: getString(bytes, 16, FIELD.version),
    projectName: getString(bytes, 48, FIELD.projectName),
    time: getString(bytes, 80, FIELD.time),
    date: getString(bytes, 96, FIELD.date),
    idfVersion: getString(bytes, 112, FIELD.idfVersion),
    appElfSha256: bytes.slice(144, 176),
  };
}

/** C strings in fixed fields: always leave room for the terminating NUL. */
function putString(target: Uint8Array, at: number, size: number, value: string, name: string): void {
  const encoded = encodeUtf8(value);
  if (encoded.length >= size) throw new RangeError(`${name} "${value}" is ${encoded.length} bytes; esp_app_desc_t holds at most ${size - 1}`);
  target.set(encoded, at);
}

function getString(bytes: Uint8Array, at: number, size: number): string {
  const field = bytes.subarray(at, at + size);
  const end = field.indexOf(0);
  return decodeUtf8(field, 0, end === -1 ? field.length : end);
}

/** The checksum byte closes the 16-byte block that follows the last segment. */
function checksumOffset(endOfSegments: number): number {
  return align(endOfSegments + 1, 16) - 1;
}

/**
 * XOR of every byte, a 32-bit word at a time where the data is aligned
 * (megabytes per boot and per esp_ota_end). Int32 lanes keep every value a
 * small integer for the JIT (Uint32 words above 2^31 are not), and four
 * independent accumulators let consecutive XORs run in parallel: together
 * about 2.5 times the speed of one Uint32 accumulator.
 */
function xorChecksum(seed: number, data: Uint8Array): number {
  let sum = seed;
  let i = 0;
  while (i < data.length && (data.byteOffset + i) % 4 !== 0) sum ^= data[i++]!;
  const words = Math.floor((data.length - i) / 4);
  if (words > 0) {
    const view = new Int32Array(data.buffer, data.byteOffset + i, words);
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    const unrolled = words - (words % 4);
    let w = 0;
    for (; w < unrolled; w += 4) {
      a ^= view[w]!;
      b ^= view[w + 1]!;
      c ^= view[w + 2]!;
      d ^= view[w + 3]!;
    }
    for (; w < words; w++) a ^= view[w]!;
    const acc = a ^ b ^ c ^ d;
    sum ^= (acc ^ (acc >>> 8) ^ (acc >>> 16) ^ (acc >>> 24)) & 0xff;
    i += words * 4;
  }
  while (i < data.length) sum ^= data[i++]!;
  return sum;
}

function isMapped(address: number): boolean {
  return MAPPED_RANGES.some(([low, high]) => address >= low && address < high);
}

function align(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function hex(value: number, width = 0): string {
  return value.toString(16).padStart(width, "0");
}

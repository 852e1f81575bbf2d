/** A satisfiable byte range of a file, inclusive bounds as HTTP writes them. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Parses a Range header for a file of `size` bytes (RFC 9110 §14.1.2): one
 * range, "bytes=a-b", "bytes=a-" or "bytes=-n". Returns undefined when there
 * is no usable Range (serve the whole file), "unsatisfiable" for a range
 * wholly past the end (416). Multiple ranges are answered with the whole
 * file, which the RFC allows and no OTA client asks for.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | "unsatisfiable" | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return undefined;
  const [, first, last] = match;
  if (first === "" && last === "") return undefined;
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return "unsatisfiable";
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return undefined;
  return { start, end };
}

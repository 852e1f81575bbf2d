/** Where an image is downloaded from: what an HTTP client needs, parsed without URL (not on every XS build). */
export interface HttpTarget {
  host: string;
  port: number;
  path: string;
}

/** Parses http://host[:port]/path; returns an error message for anything else. */
export function parseHttpUrl(url: string): HttpTarget | string {
  const match = /^http:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?(\/[^\s#]*)?$/.exec(url);
  if (match === null) {
    return url.startsWith("https://")
      ? `"${url}": https is not supported by the OTA client; serve the image over http (images are signed, so TLS is not what makes them safe)`
      : `"${url}" is not an http://host[:port]/path URL`;
  }
  const port = match[2] === undefined ? 80 : Number(match[2]);
  if (port < 1 || port > 65535) return `"${url}": port ${port} is out of range`;
  return { host: match[1]!.replace(/^\[|\]$/g, ""), port, path: match[3] ?? "/" };
}

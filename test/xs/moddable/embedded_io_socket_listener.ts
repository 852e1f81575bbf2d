/** Passed to the HTTP server as configuration only; the XS suite has no network. */
export default class Unavailable {
  constructor() {
    throw new Error("no network in the XS engine suite");
  }
}

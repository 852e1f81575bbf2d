/** Moddable's native curve point: a plain carrier of coordinates here. */
export default class ECPoint {
  readonly x: unknown;
  readonly y: unknown;
  constructor(x: unknown, y: unknown) {
    this.x = x;
    this.y = y;
  }
}

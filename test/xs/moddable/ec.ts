/** Moddable's native curve arithmetic: constructed by the device's crypto port, never used by the boot scenarios. */
export default class EC {
  constructor(_a: unknown, _b: unknown, _p: unknown) {}
  mul2(): never {
    throw new Error("native EC arithmetic is not available in the XS engine suite");
  }
}

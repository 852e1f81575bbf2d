/**
 * u1·G + u2·Q on @noble/curves, in the shape of the device port's P256MulAdd:
 * a stand-in for Moddable's native EC.mul2 that shares no code with the
 * firmware's checks around it. Language only, so XS scenarios use it too.
 */
import { p256 } from "@noble/curves/nist.js";
import type { P256MulAdd } from "../../../firmware/crypto/p256";

export const nobleMulAdd: P256MulAdd = (u1, q, u2) => {
  const sum = p256.Point.BASE.mulAddUnsafe(u1, p256.Point.fromAffine(q), u2);
  return sum.is0() ? undefined : sum.toAffine().x;
};

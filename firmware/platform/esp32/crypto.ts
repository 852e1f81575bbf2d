import { Digest } from "crypt";
import EC from "ec";
import ECPoint from "ecp";
import { crc32 } from "../../core/crc32";
import type { CryptoPort, Sha256 } from "../../crypto/crypto-port";
import { P256, type P256MulAdd } from "../../crypto/p256";
import { portableVerify } from "../../crypto/portable-verify";

/**
 * The crypto port on the ESP32: Moddable's native `crypt` Digest for SHA-256
 * and its native elliptic-curve code (modules/crypt/arith: Jacobian
 * coordinates, Montgomery arithmetic in C) for the one expensive step of
 * ECDSA, u1·G + u2·Q. The checks around that step (key on the curve, r and s
 * in range, x(R) mod n) are the portable ones in firmware/crypto, which the
 * Wycheproof vectors exercise on Node (this file's glue over Moddable-shaped
 * fakes) and in XS (the checks over a stand-in multiply). Moddable has no
 * Ed25519, so Ed25519 runs the portable BigInt code (firmware/crypto/
 * ed25519.ts), which XS executes natively and, there, some 20 times faster
 * than tweetnacl's float limbs.
 *
 * The manifest must provide "crypt" ($(MODULES)/crypt/digest) and "ec",
 * "ecp", "modular" with their C ($(MODULES)/crypt/arith).
 */

/**
 * SHA-256 over Digest. Digest.write takes byte views directly (the native
 * side uses xsmcGetBufferReadable), so payload chunks are not copied.
 * close() finishes without freeing the context in current Moddable, so the
 * same Digest is reset and reused for the next image.
 */
class NativeSha256 implements Sha256 {
  readonly #digest = new Digest("SHA256");

  reset(): void {
    this.#digest.reset();
  }

  update(data: Uint8Array): void {
    this.#digest.write(data);
  }

  digestInto(out: Uint8Array, offset = 0): void {
    out.set(new Uint8Array(this.#digest.close()), offset);
    this.#digest.reset();
  }
}

export function createEsp32Crypto(): CryptoPort {
  const curve = new EC(P256.a, P256.b, P256.p);
  const generator = new ECPoint(P256.gx, P256.gy);
  // mul2 is Shamir's trick in C and handles the equal/opposite-point cases
  // (xsBigIntEx.c ec_add); the result comes back normalised to affine.
  const mulAdd: P256MulAdd = (u1, q, u2) => {
    const sum = curve.mul2(generator, u1, new ECPoint(q.x, q.y), u2);
    return sum.isZero() ? undefined : sum.X;
  };
  return {
    name: "esp32",
    crc32: (data, seed) => crc32(data, seed),
    createSha256: () => new NativeSha256(),
    verify: portableVerify(new NativeSha256(), mulAdd),
  };
}

/**
 * A map point's value to and from its registers, by the firmware's own
 * codec: a one-point RegisterMap bound to a value held here. Encoding reads
 * that value through the map (exactly the registers the device would send
 * for it, with the same rounding and range checks); decoding writes the
 * registers through it (exactly the value the device would take from a
 * master's write). No second implementation of scale, sign or word order to
 * drift from the device's.
 */
import { OK } from "../../firmware/modbus/sources";
import { compileRegisterMap, type RegisterMap } from "../../firmware/modbus/register-map";
import { pointWords, type PointType, type WordOrder } from "../../firmware/modbus/map-schema";

export type RegisterType = Exclude<PointType, "bool">;

export interface PointFormat {
  readonly type: RegisterType;
  readonly scale: number;
  readonly wordOrder: WordOrder;
}

export class PointCodec {
  /** Registers a value occupies: 1 or 2. */
  readonly words: number;
  readonly #map: RegisterMap;
  #value: number | undefined;
  #written: number | undefined;

  constructor(readonly format: PointFormat) {
    this.words = pointWords(format.type);
    this.#map = compileRegisterMap(
      {
        blocks: [
          {
            name: "point",
            table: "holding-registers",
            address: 0,
            source: "codec",
            // The schema refuses a word order on 16-bit types, even the default one.
            points: [{ point: "value", type: format.type, scale: format.scale, ...(this.words === 2 ? { wordOrder: format.wordOrder } : {}) }],
          },
        ],
      },
      {
        codec: {
          description: "one value for the host's codec",
          points: {
            value: {
              read: () => this.#value,
              write: (value) => {
                this.#written = value;
                return OK;
              },
            },
          },
        },
      },
    );
  }

  /** The registers for `value` (engineering units), or undefined when it does not fit the type after scaling. */
  encode(value: number): number[] | undefined {
    const bytes = new Uint8Array(2 * this.words);
    this.#value = value;
    const code = this.#map.readRegisters(this.#map.holdingRegisters, 0, this.words, bytes, 0);
    this.#value = undefined;
    if (code !== OK) return undefined;
    const words = Array.from({ length: this.words }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
    // float32 has no range check in the firmware: a value past its range encodes as infinity.
    return this.decode(words) === undefined ? undefined : words;
  }

  /** The value (engineering units) `words` stand for; undefined for a float32 NaN or infinity. */
  decode(words: readonly number[]): number | undefined {
    const bytes = new Uint8Array(2 * this.words);
    for (let i = 0; i < this.words; i++) {
      bytes[2 * i] = (words[i] ?? 0) >>> 8;
      bytes[2 * i + 1] = (words[i] ?? 0) & 0xff;
    }
    this.#written = undefined;
    // The map refuses non-finite values (exception 03) before writing: that is the undefined case.
    const code = this.#map.writeRegisters(0, this.words, bytes, 0);
    return code === OK ? this.#written : undefined;
  }
}

const cache = new Map<string, PointCodec>();

/** One codec per format, shared: a map's points have only a handful of formats between them. */
export function codecFor(format: PointFormat): PointCodec {
  const key = `${format.type}/${format.scale}/${format.wordOrder}`;
  let codec = cache.get(key);
  if (codec === undefined) {
    codec = new PointCodec(format);
    cache.set(key, codec);
  }
  return codec;
}

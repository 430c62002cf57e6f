import { createHash } from "node:crypto";

/**
 * Victim choice that can be replayed: the same seed and the same candidates give
 * the same order on any machine. The random stream is SHA-256 in counter mode
 * over the seed, so it is as unpredictable as the seed is, and integers are drawn
 * by rejection sampling because `x % n` would favour small values.
 */

const UINT32_RANGE = 2 ** 32;

export interface RandomStream {
  /** A uniformly distributed integer in [0, bound). */
  nextInt(bound: number): number;
}

export function createRandomStream(seed: string): RandomStream {
  let counter = 0;
  let block = Buffer.alloc(0);
  let offset = 0;
  const nextUint32 = (): number => {
    if (offset >= block.length) {
      // The separator keeps ("a1", 0) and ("a", 10) from hashing the same input.
      block = createHash("sha256").update(`${seed}\u0000${counter}`).digest();
      counter += 1;
      offset = 0;
    }
    const value = block.readUInt32BE(offset);
    offset += 4;
    return value;
  };
  return {
    nextInt(bound) {
      if (!Number.isInteger(bound) || bound < 1 || bound > UINT32_RANGE) {
        throw new RangeError(`bound must be a whole number in 1..2^32, got ${bound}`);
      }
      const limit = UINT32_RANGE - (UINT32_RANGE % bound);
      for (;;) {
        const value = nextUint32();
        if (value < limit) return value % bound;
      }
    },
  };
}

/**
 * Sorts the ids first, so the order they arrived in (AWS does not promise one)
 * cannot change the outcome, then shuffles them with Fisher–Yates.
 */
export function shuffleIds(ids: readonly string[], seed: string): string[] {
  const out = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const random = createRandomStream(seed);
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = random.nextInt(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Option parsing shared by the fleet command lines (`simulate-fleet`, `chaos`). */
import { hashSeed } from './prng.js';

/** A commander argParser: a finite number ≥ 0. */
export const nonNegative = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`not a non-negative number: ${v}`);
  return n;
};

/** A `--seed` value, a number or a word (hashed). */
export const parseSeed = (text: string): number => (/^\d+$/.test(text) ? Number(text) : hashSeed(text));

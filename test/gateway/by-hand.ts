/** Independent arithmetic for tests whose expected figures are worked out by hand (deliberately not shared/src). */

/** The 97.5 % normal quantile, to the places the tests need. */
export const Z = 1.959964;

/** Wilson's 95 % score interval of x / n. */
export function wilsonByHand(x: number, n: number): [number, number] {
  const p = x / n;
  const c = (p + (Z * Z) / (2 * n)) / (1 + (Z * Z) / n);
  const h = (Z / (1 + (Z * Z) / n)) * Math.sqrt((p * (1 - p)) / n + (Z * Z) / (4 * n * n));
  return [c - h, c + h];
}

// Scores are money-like: they are shown with two decimals and must replay bit-identically. They
// travel as numbers with two decimals (cents / 100, the double nearest the decimal), but every
// sum is done in integer hundredths, so 0.1 + 0.2 drift can never accumulate over a week.

/**
 * `x` in hundredths, rounded half away from zero. The 1e-9 tolerance absorbs binary
 * representation error (1.005 is stored as 1.00499999…), so a value that is a half-cent in
 * decimal rounds the way a person would round it.
 */
export function toCents(x: number): number {
  const cents = Math.floor(Math.abs(x) * 100 + 0.5 + 1e-9);
  return x < 0 && cents !== 0 ? -cents : cents;
}

/** Hundredths back to the number with two decimals. */
export function fromCents(cents: number): number {
  return cents / 100;
}

/** `x` rounded to two decimals, half away from zero (see `toCents`). */
export function roundScore(x: number): number {
  return fromCents(toCents(x));
}

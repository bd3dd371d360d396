/**
 * Sizes as docker prints them (docker/go-units size.go, v0.4.0, which docker 20.10 vendors):
 * the size divided by 1000 until it is below 1000 (units B kB MB GB TB PB EB ZB YB), then
 * printed with Go's `%.<precision>g`. Go's %g is reproduced exactly, so 999,999 bytes is
 * `1e+03kB` as in docker. Pure.
 */

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** go-units HumanSizeWithPrecision: `docker images` SIZE uses precision 3. */
export function humanSizeWithPrecision(size: number, precision: number): string {
  let unit = 0;
  // Repeated division, as go-units does: the rounding of each step is part of the result.
  while (size >= 1000 && unit < DECIMAL_UNITS.length - 1) {
    size /= 1000;
    unit++;
  }
  return formatG(size, precision) + DECIMAL_UNITS[unit];
}

/** go-units HumanSize: precision 4 (docker's .VirtualSize placeholder). */
export function humanSize(size: number): string {
  return humanSizeWithPrecision(size, 4);
}

/**
 * Go's `fmt.Sprintf("%.<precision>g", x)` of a finite x: `precision` significant digits (0 counts as 1),
 * correctly rounded from the exact binary value with ties to even (Go's strconv), trailing
 * zeros dropped; the exponent form `d.ddde+XX` when the decimal exponent is below -4 or at
 * least the precision.
 */
export function formatG(x: number, precision: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`${x} is not a size`);
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (x === 0) return `${sign}0`;
  const prec = Math.max(precision, 1);
  const { digits, point } = roundDigits(exactDecimal(Math.abs(x)), prec);
  const exp = point - 1;
  if (exp < -4 || exp >= prec) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp);
    return `${sign}${mantissa}e${exp < 0 ? '-' : '+'}${e < 10 ? `0${e}` : e}`;
  }
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** A positive decimal: the value is 0.`digits` × 10^`point`; `digits` has no leading or trailing zeros. */
interface Decimal {
  digits: string;
  point: number;
}

/** The exact decimal expansion of a positive finite double (every double is a finite decimal). */
function exactDecimal(x: number): Decimal {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  let exp2: number;
  if (biased === 0) exp2 = -1074;
  else {
    mantissa |= 1n << 52n;
    exp2 = biased - 1075;
  }
  // x = mantissa × 2^exp2; for a negative exp2, x = mantissa × 5^-exp2 / 10^-exp2.
  const whole = exp2 >= 0 ? mantissa << BigInt(exp2) : mantissa * 5n ** BigInt(-exp2);
  const text = whole.toString();
  const point = text.length + Math.min(exp2, 0);
  return { digits: text.replace(/0+$/, ''), point };
}

/** Rounded to at most `n` significant digits, half to even; trailing zeros dropped. */
function roundDigits(d: Decimal, n: number): Decimal {
  if (d.digits.length <= n) return d;
  const kept = d.digits.slice(0, n);
  const first = d.digits[n]!;
  const exactHalf = first === '5' && d.digits.length === n + 1;
  const up = first > '5' || (first === '5' && !exactHalf) || (exactHalf && Number(kept[n - 1]) % 2 === 1);
  if (!up) return { digits: kept.replace(/0+$/, ''), point: d.point };
  const bumped = (BigInt(kept) + 1n).toString();
  // 999 + 1 = 1000: one more digit before the point.
  const point = d.point + (bumped.length - kept.length);
  return { digits: bumped.slice(0, n).replace(/0+$/, ''), point };
}

/**
 * Special functions for the p-values: log-gamma, the regularized incomplete gamma functions, the chi-square and
 * normal tails. Accurate to about 1e-14 relative where the tests use them (checked against scipy in
 * test/monitor/special.test.ts).
 */

const LANCZOS = [
  57.15623566586292, -59.59796035547549, 14.136097974741746, -0.4919138160976202, 0.00003399464998481189,
  0.00004652362892704858, -0.00009837447530487956, 0.0001580887032249125, -0.00021026444172410488,
  0.00021743961811521265, -0.0001643181065367639, 0.00008441822398385275, -0.000026190838401581408,
  0.0000036899182659531625,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 607/128, as in Numerical Recipes 3rd ed. §6.1). */
export function lgamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  let y = x;
  let tmp = x + 5.2421875;
  tmp = (x + 0.5) * Math.log(tmp) - tmp;
  let ser = 0.9999999999999971;
  for (let j = 0; j < LANCZOS.length; j++) ser += LANCZOS[j]! / ++y;
  return tmp + Math.log((2.5066282746310007 * ser) / x);
}

const EPS = 2.220446049250313e-16;
const TINY = 1e-300;

/** The exponent prefactor x^a e^−x / Γ(a), in log form. */
const logPrefactor = (a: number, x: number) => a * Math.log(x) - x - lgamma(a);

/** P(a, x) by its power series; converges for every x, fast for x < a + 1. */
function gammaPSeries(a: number, x: number): number {
  let ap = a;
  let del = 1 / a;
  let sum = del;
  const maxIter = 1000 + 20 * Math.ceil(Math.sqrt(a));
  for (let n = 0; n < maxIter; n++) {
    ap += 1;
    del *= x / ap;
    sum += del;
    if (Math.abs(del) < Math.abs(sum) * EPS) break;
  }
  return sum * Math.exp(logPrefactor(a, x));
}

/** Q(a, x) by Lentz's continued fraction; fast for x > a + 1. */
function gammaQFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  const maxIter = 1000 + 20 * Math.ceil(Math.sqrt(a));
  for (let i = 1; i < maxIter; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return Math.exp(logPrefactor(a, x)) * h;
}

/** The regularized upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a) (scipy.special.gammaincc). */
export function gammaincc(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || a <= 0 || x < 0) return Number.NaN;
  if (x === 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  return x < a + 1 ? 1 - gammaPSeries(a, x) : gammaQFraction(a, x);
}

/** The chi-square survival function with `df` degrees of freedom (scipy.stats.chi2.sf). */
export function chi2Sf(x: number, df: number): number {
  if (!(df > 0) || Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  return gammaincc(df / 2, x / 2);
}

/** erfc(x) for any x, through Q(1/2, x²). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const q = gammaincc(0.5, x * x);
  return x >= 0 ? q : 2 - q;
}

/** Two-sided normal tail 2·(1 − Φ(|z|)). */
export function normalTwoSided(z: number): number {
  return erfc(Math.abs(z) / Math.SQRT2);
}

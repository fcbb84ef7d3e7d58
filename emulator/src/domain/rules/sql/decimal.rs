//! IoT SQL `Decimal`: an exact base-10 number with 34 significant digits (Java's
//! `BigDecimal` under `MathContext.DECIMAL128`, which the service is built on).

use std::cmp::Ordering;
use std::fmt;

/// Significant digits kept, as the guide's Data Types table says.
pub const PRECISION: u32 = 34;

/// `mant × 10^-scale`; `mant` never has more than [`PRECISION`] digits.
#[derive(Clone, Copy, Debug)]
pub struct Decimal {
    mant: i128,
    scale: i32,
}

/// 10^0 ..= 10^22, every one exact in a double.
const POW10_F64: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

fn pow10(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

fn digits(mut v: u128) -> u32 {
    let mut n = 1;
    while v >= 10 {
        v /= 10;
        n += 1;
    }
    n
}

impl Decimal {
    pub const ZERO: Decimal = Decimal { mant: 0, scale: 0 };

    pub fn new(mant: i128, scale: i32) -> Decimal {
        Decimal { mant, scale }.rounded(PRECISION)
    }

    pub fn from_int(v: i128) -> Decimal {
        Decimal::new(v, 0)
    }

    /// The shortest decimal that reads back as `v`; None for NaN and infinities
    /// (the service has no such Decimals: those results are Undefined).
    pub fn from_f64(v: f64) -> Option<Decimal> {
        if !v.is_finite() {
            return None;
        }
        // Fast path, exact: the fewest decimal places `s` whose `m / 10^s`
        // (both exact doubles, one correctly rounded division) gives back `v`.
        // Below 2^50 a double's spacing is under 1/8, so at most one `m` can
        // round-trip and `round()` finds it despite the rounded product.
        const EXACT: f64 = 1_125_899_906_842_624.0; // 2^50
        let mut scaled = v;
        for s in 0..=17i32 {
            if scaled.abs() >= EXACT {
                break;
            }
            let m = scaled.round();
            if m / POW10_F64[s as usize] == v {
                let mut d = Decimal { mant: m as i128, scale: s };
                if s == 0 {
                    d = Decimal { mant: d.mant * 10, scale: 1 };
                }
                return Some(d);
            }
            scaled = v * POW10_F64[s as usize + 1];
        }
        let text = format!("{v:e}");
        let mut d = Decimal::parse(&text)?;
        // A double that is integral keeps one decimal place, as Java prints `32.0`.
        if d.scale < 1 && v.abs() < 1e17 {
            d = d.with_scale(1).unwrap_or(d);
        }
        Some(d)
    }

    /// Parses `-?digits[.digits][(e|E)[+-]digits]` (also `.5`), the literal and
    /// string-conversion syntax.
    pub fn parse(s: &str) -> Option<Decimal> {
        let b = s.as_bytes();
        let mut i = 0;
        let neg = match b.first() {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let mut mant: i128 = 0;
        let mut scale: i32 = 0;
        let mut any = false;
        let mut dropped_exp: i32 = 0; // digits beyond i128 capacity (kept as exponent)
        let mut sticky = false;
        let mut push = |d: u8, frac: bool, mant: &mut i128, scale: &mut i32| {
            if *mant < 10i128.pow(36) {
                *mant = *mant * 10 + i128::from(d);
                if frac {
                    *scale += 1;
                }
            } else {
                if d != 0 {
                    sticky = true;
                }
                if !frac {
                    dropped_exp += 1;
                }
            }
        };
        while i < b.len() && b[i].is_ascii_digit() {
            push(b[i] - b'0', false, &mut mant, &mut scale);
            any = true;
            i += 1;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                push(b[i] - b'0', true, &mut mant, &mut scale);
                any = true;
                i += 1;
            }
        }
        if !any {
            return None;
        }
        if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
            i += 1;
            let eneg = match b.get(i) {
                Some(b'-') => {
                    i += 1;
                    true
                }
                Some(b'+') => {
                    i += 1;
                    false
                }
                _ => false,
            };
            let start = i;
            let mut e: i64 = 0;
            while i < b.len() && b[i].is_ascii_digit() {
                e = (e * 10 + i64::from(b[i] - b'0')).min(1_000_000_000);
                i += 1;
            }
            if i == start {
                return None;
            }
            let e = if eneg { -e } else { e };
            scale = i32::try_from(i64::from(scale) - e).ok()?;
        }
        if i != b.len() {
            return None;
        }
        scale = scale.checked_sub(dropped_exp)?;
        let _ = sticky;
        let mant = if neg { -mant } else { mant };
        Some(Decimal::new(mant, scale))
    }

    pub fn mantissa(&self) -> i128 {
        self.mant
    }

    pub fn scale(&self) -> i32 {
        self.scale
    }

    pub fn is_zero(&self) -> bool {
        self.mant == 0
    }

    pub fn signum(&self) -> i32 {
        self.mant.signum() as i32
    }

    // A mantissa has at most 34 digits, so negation cannot overflow.
    pub fn neg(&self) -> Decimal {
        Decimal { mant: -self.mant, scale: self.scale }
    }

    pub fn abs(&self) -> Decimal {
        Decimal { mant: self.mant.abs(), scale: self.scale }
    }

    pub fn to_f64(&self) -> f64 {
        // Exact operands make one correctly rounded operation.
        if self.mant.unsigned_abs() < (1u128 << 53) {
            if (0..=22).contains(&self.scale) {
                return self.mant as f64 / POW10_F64[self.scale as usize];
            }
            if (-22..0).contains(&self.scale) {
                let v = self.mant as f64 * POW10_F64[(-self.scale) as usize];
                if v.abs() < 9_007_199_254_740_992.0 {
                    return v;
                }
            }
        }
        format!("{}e{}", self.mant, -i64::from(self.scale)).parse().unwrap_or(f64::NAN)
    }

    /// Rounds (half-even) to at most `prec` significant digits.
    fn rounded(self, prec: u32) -> Decimal {
        let n = digits(self.mant.unsigned_abs());
        if n <= prec {
            return self;
        }
        let drop = n - prec;
        self.drop_digits(drop, RoundMode::HalfEven)
    }

    fn drop_digits(self, drop: u32, mode: RoundMode) -> Decimal {
        if drop == 0 {
            return self;
        }
        let Some(p) = pow10(drop) else {
            return Decimal { mant: 0, scale: self.scale.saturating_sub(drop as i32) };
        };
        let q = self.mant / p;
        let r = self.mant % p;
        let q = q + mode.adjust(q, r, p);
        let d = Decimal { mant: q, scale: self.scale.saturating_sub(drop as i32) };
        if digits(d.mant.unsigned_abs()) > PRECISION { d.drop_digits(1, mode) } else { d }
    }

    /// The same value with exactly `scale` decimal places, when that is exact
    /// and fits.
    fn with_scale(self, scale: i32) -> Option<Decimal> {
        let diff = i64::from(scale) - i64::from(self.scale);
        match diff.cmp(&0) {
            Ordering::Equal => Some(self),
            Ordering::Greater => {
                let p = pow10(u32::try_from(diff).ok()?)?;
                Some(Decimal { mant: self.mant.checked_mul(p)?, scale })
            }
            Ordering::Less => {
                let p = pow10(u32::try_from(-diff).ok()?)?;
                (self.mant % p == 0).then(|| Decimal { mant: self.mant / p, scale })
            }
        }
    }

    fn aligned(a: Decimal, b: Decimal) -> Option<(i128, i128, i32)> {
        let s = a.scale.max(b.scale);
        Some((a.with_scale(s)?.mant, b.with_scale(s)?.mant, s))
    }

    pub fn checked_add(self, o: Decimal) -> Option<Decimal> {
        match Decimal::aligned(self, o) {
            Some((a, b, s)) => match a.checked_add(b) {
                Some(m) => Some(Decimal::new(m, s)),
                None => Decimal::from_f64(self.to_f64() + o.to_f64()),
            },
            None => Decimal::from_f64(self.to_f64() + o.to_f64()),
        }
    }

    pub fn checked_sub(self, o: Decimal) -> Option<Decimal> {
        self.checked_add(o.neg())
    }

    pub fn checked_mul(self, o: Decimal) -> Option<Decimal> {
        match self.mant.checked_mul(o.mant) {
            Some(m) => Some(Decimal::new(m, self.scale.checked_add(o.scale)?)),
            None => Decimal::from_f64(self.to_f64() * o.to_f64()),
        }
    }

    /// Java's `divide(divisor, DECIMAL128)`: 34 digits, half-even, and the
    /// preferred scale `this.scale - divisor.scale` when the quotient is exact.
    pub fn checked_div(self, o: Decimal) -> Option<Decimal> {
        if o.is_zero() {
            return None;
        }
        let neg = (self.mant < 0) != (o.mant < 0);
        let num = self.mant.unsigned_abs();
        let den = o.mant.unsigned_abs();
        let mut q = num / den;
        let mut r = num % den;
        let mut scale = self.scale.checked_sub(o.scale)?;
        let preferred = scale;
        while r != 0 && digits(q) < PRECISION + 1 {
            // r < den ≤ 10^34·…; r·10 fits comfortably in u128.
            let (r10, overflow) = r.overflowing_mul(10);
            if overflow {
                return Decimal::from_f64(self.to_f64() / o.to_f64());
            }
            q = q * 10 + r10 / den;
            r = r10 % den;
            scale += 1;
        }
        let mut mant = i128::try_from(q).ok()?;
        if neg {
            mant = -mant;
        }
        let n = digits(q);
        let mut d = if n > PRECISION {
            let drop = n - PRECISION;
            let p = pow10(drop)?;
            let qd = mant / p;
            let rd = mant % p;
            // A non-zero remainder beyond the kept digits breaks a tie upwards.
            let adj = if r != 0 && rd.unsigned_abs() * 2 == p.unsigned_abs() {
                mant.signum()
            } else {
                RoundMode::HalfEven.adjust(qd, rd, p)
            };
            Decimal { mant: qd + adj, scale: scale - drop as i32 }
        } else {
            Decimal { mant, scale }
        };
        if r == 0 {
            // Exact: strip zeros down to the preferred scale.
            while d.scale > preferred && d.mant % 10 == 0 {
                d = Decimal { mant: d.mant / 10, scale: d.scale - 1 };
            }
        }
        Some(d.rounded(PRECISION))
    }

    /// `BigDecimal.remainder`: the sign follows the dividend.
    pub fn checked_rem(self, o: Decimal) -> Option<Decimal> {
        if o.is_zero() {
            return None;
        }
        match Decimal::aligned(self, o) {
            Some((a, b, s)) => Some(Decimal::new(a % b, s)),
            None => Decimal::from_f64(self.to_f64() % o.to_f64()),
        }
    }

    pub fn compare(&self, o: &Decimal) -> Ordering {
        match Decimal::aligned(*self, *o) {
            Some((a, b, _)) => a.cmp(&b),
            None => self.to_f64().partial_cmp(&o.to_f64()).unwrap_or(Ordering::Equal),
        }
    }

    pub fn num_eq(&self, o: &Decimal) -> bool {
        self.compare(o) == Ordering::Equal
    }

    /// To an integer with the given rounding; None when it does not fit.
    pub fn to_int(&self, mode: RoundMode) -> Option<i128> {
        if self.scale <= 0 {
            let p = pow10(u32::try_from(-self.scale).ok()?)?;
            return self.mant.checked_mul(p);
        }
        let Some(p) = pow10(self.scale as u32) else {
            return Some(mode.adjust(0, self.mant, i128::MAX));
        };
        let q = self.mant / p;
        let r = self.mant % p;
        Some(q + mode.adjust(q, r, p))
    }

    /// Truncates to `places` decimal places and strips trailing zeros (`trunc`).
    pub fn trunc_places(&self, places: i32) -> Decimal {
        let mut d = if self.scale > places {
            self.drop_digits((self.scale - places) as u32, RoundMode::Down)
        } else {
            *self
        };
        while d.scale > 0 && d.mant % 10 == 0 {
            d = Decimal { mant: d.mant / 10, scale: d.scale - 1 };
        }
        if d.mant == 0 {
            d.scale = 0;
        }
        d
    }

    /// Whether the value has no fractional part.
    pub fn is_integral(&self) -> bool {
        self.scale <= 0 || pow10(self.scale as u32).is_none_or(|p| self.mant % p == 0)
    }
}

/// How digits beyond the kept ones are rounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoundMode {
    /// Towards zero.
    Down,
    /// Towards negative infinity.
    Floor,
    /// Towards positive infinity.
    Ceiling,
    /// Nearest, ties away from zero.
    HalfUp,
    /// Nearest, ties to even.
    HalfEven,
}

impl RoundMode {
    /// The correction (-1, 0 or +1) to the truncated quotient `q` given the
    /// remainder `r` of a division by `p` (r has the sign of the dividend).
    fn adjust(self, q: i128, r: i128, p: i128) -> i128 {
        if r == 0 {
            return 0;
        }
        let sign = r.signum();
        let twice = r.unsigned_abs().saturating_mul(2);
        let p = p.unsigned_abs();
        match self {
            RoundMode::Down => 0,
            RoundMode::Floor => {
                if sign < 0 {
                    -1
                } else {
                    0
                }
            }
            RoundMode::Ceiling => {
                if sign > 0 {
                    1
                } else {
                    0
                }
            }
            RoundMode::HalfUp => {
                if twice >= p {
                    sign
                } else {
                    0
                }
            }
            RoundMode::HalfEven => match twice.cmp(&p) {
                Ordering::Greater => sign,
                Ordering::Less => 0,
                Ordering::Equal => {
                    if q % 2 != 0 {
                        sign
                    } else {
                        0
                    }
                }
            },
        }
    }
}

/// Java's `BigDecimal.toString`: plain notation unless the exponent is
/// positive or the adjusted exponent is below -6.
impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let neg = self.mant < 0;
        let digits = self.mant.unsigned_abs().to_string();
        let n = digits.len() as i64;
        let scale = i64::from(self.scale);
        let adjusted = -scale + (n - 1);
        if neg {
            f.write_str("-")?;
        }
        if scale >= 0 && adjusted >= -6 {
            if scale == 0 {
                f.write_str(&digits)
            } else if n > scale {
                let (int, frac) = digits.split_at((n - scale) as usize);
                write!(f, "{int}.{frac}")
            } else {
                write!(f, "0.{}{digits}", "0".repeat((scale - n) as usize))
            }
        } else {
            let (first, rest) = digits.split_at(1);
            if rest.is_empty() {
                write!(f, "{first}")?;
            } else {
                write!(f, "{first}.{rest}")?;
            }
            if adjusted >= 0 { write!(f, "E+{adjusted}") } else { write!(f, "E{adjusted}") }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    #[test]
    fn parses_and_prints_like_big_decimal() {
        for (input, shown) in [
            ("0", "0"),
            ("-1.2", "-1.2"),
            ("5E-12", "5E-12"),
            ("54.98", "54.98"),
            ("2.00", "2.00"),
            ("1e3", "1E+3"),
            ("0.000001", "0.000001"),
            ("0.0000001", "1E-7"),
            (".5", "0.5"),
        ] {
            assert_eq!(d(input).to_string(), shown, "{input}");
        }
        assert!(Decimal::parse("1.").is_none() || Decimal::parse("1.").is_some());
        assert!(Decimal::parse("abc").is_none());
        assert!(Decimal::parse("1e").is_none());
        assert!(Decimal::parse("").is_none());
    }

    #[test]
    fn arithmetic_is_exact_where_doubles_are_not() {
        assert_eq!(d("0.1").checked_add(d("0.2")).unwrap().to_string(), "0.3");
        assert_eq!(d("1.5").checked_mul(d("1.5")).unwrap().to_string(), "2.25");
        assert_eq!(d("10.0").checked_div(d("4")).unwrap().to_string(), "2.5");
        assert_eq!(
            d("1").checked_div(d("3")).unwrap().to_string(),
            "0.3333333333333333333333333333333333"
        );
        assert_eq!(
            d("2").checked_div(d("3")).unwrap().to_string(),
            "0.6666666666666666666666666666666667"
        );
        assert_eq!(d("-7.5").checked_rem(d("2")).unwrap().to_string(), "-1.5");
        assert!(d("1").checked_div(Decimal::ZERO).is_none());
    }

    #[test]
    fn rounds_to_integers() {
        assert_eq!(d("1.5").to_int(RoundMode::HalfUp), Some(2));
        assert_eq!(d("-1.5").to_int(RoundMode::HalfUp), Some(-2));
        assert_eq!(d("-1.1").to_int(RoundMode::HalfUp), Some(-1));
        assert_eq!(d("1.2").to_int(RoundMode::Ceiling), Some(2));
        assert_eq!(d("-1.2").to_int(RoundMode::Floor), Some(-2));
        assert_eq!(d("-1.7").to_int(RoundMode::Down), Some(-1));
        assert_eq!(d("1E+3").to_int(RoundMode::Down), Some(1000));
    }

    #[test]
    fn truncates_and_strips_zeros() {
        assert_eq!(d("2.888").trunc_places(2).to_string(), "2.88");
        assert_eq!(d("2.00").trunc_places(5).to_string(), "2");
        assert_eq!(d("2.3").trunc_places(0).to_string(), "2");
    }

    #[test]
    fn fast_double_conversion_agrees_with_formatting() {
        let mut x: u64 = 0x1234_5678_9abc_def1;
        for i in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = match i % 3 {
                0 => f64::from_bits(x),
                1 => (x % 1_000_000) as f64 / [1.0, 10.0, 100.0, 1000.0][(x % 4) as usize],
                _ => (x as i64 % 100_000_000) as f64 / 1e7,
            };
            let Some(d) = Decimal::from_f64(v) else { continue };
            assert_eq!(d.to_f64(), v, "{v:e} -> {d}");
            let slow = Decimal::parse(&format!("{v:e}")).unwrap();
            assert!(d.num_eq(&slow), "{v:e}: fast {d} slow {slow}");
        }
    }

    #[test]
    fn doubles_keep_their_shortest_form() {
        assert_eq!(Decimal::from_f64(32.0).unwrap().to_string(), "32.0");
        assert_eq!(
            Decimal::from_f64(std::f64::consts::FRAC_PI_2).unwrap().to_string(),
            "1.5707963267948966"
        );
        assert!(Decimal::from_f64(f64::NAN).is_none());
        assert_eq!(Decimal::from_f64(54.98).unwrap().to_f64(), 54.98);
    }
}

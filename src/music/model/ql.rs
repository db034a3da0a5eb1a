//! Exact rational quarter lengths: the unit of every offset and duration in the model.
//!
//! `Ql` is a small fraction over `i64`, always reduced, with a positive denominator. It never
//! panics: arithmetic is done in `i128` and a result that no longer fits is approximated by the
//! nearest fraction whose denominator is at most 65535, the same limit music21 applies.

use std::cmp::Ordering;
use std::fmt;
use std::ops::{Add, AddAssign, Div, Mul, Neg, Sub, SubAssign};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The largest denominator kept when a result has to be approximated (music21's limit).
const APPROXIMATION_DENOMINATOR: i128 = 65_535;

/// A duration or offset in quarter lengths (a quarter note is 1), kept as an exact fraction.
///
/// Invariant: `den > 0` and `gcd(num, den) == 1`, so equal values have equal fields.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ql {
    num: i64,
    den: i64,
}

impl Ql {
    /// Zero quarter lengths.
    pub const ZERO: Ql = Ql { num: 0, den: 1 };
    /// One quarter note.
    pub const ONE: Ql = Ql { num: 1, den: 1 };

    /// A whole number of quarter lengths.
    pub const fn from_int(value: i64) -> Ql {
        Ql { num: value, den: 1 }
    }

    /// The fraction `num / den`, reduced; a zero denominator gives zero.
    pub fn new(num: i64, den: i64) -> Ql {
        Ql::from_i128(i128::from(num), i128::from(den))
    }

    /// The numerator of the reduced fraction.
    pub fn numer(self) -> i64 {
        self.num
    }

    /// The (positive) denominator of the reduced fraction.
    pub fn denom(self) -> i64 {
        self.den
    }

    /// True for exactly zero.
    pub fn is_zero(self) -> bool {
        self.num == 0
    }

    /// True for values above zero.
    pub fn is_positive(self) -> bool {
        self.num > 0
    }

    /// The value as a float.
    pub fn to_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// The value as a float rounded to 4 decimal places, as the oracle prints it.
    pub fn to_f64_rounded(self) -> f64 {
        (self.to_f64() * 10_000.0).round() / 10_000.0
    }

    /// The larger of two values.
    pub fn max(self, other: Ql) -> Ql {
        if other > self { other } else { self }
    }

    /// The smaller of two values.
    pub fn min(self, other: Ql) -> Ql {
        if other < self { other } else { self }
    }

    /// The closest fraction to a float with a denominator of at most 65535.
    pub fn from_f64(value: f64) -> Ql {
        if !value.is_finite() {
            return Ql::ZERO;
        }
        let clamped = value.clamp(-(i64::MAX as f64) / 2.0, i64::MAX as f64 / 2.0);
        approximate(clamped)
    }

    fn from_i128(num: i128, den: i128) -> Ql {
        if den == 0 {
            return Ql::ZERO;
        }
        let (mut num, mut den) = if den < 0 { (-num, -den) } else { (num, den) };
        let divisor = match (u64::try_from(num.unsigned_abs()), u64::try_from(den)) {
            (Ok(a), Ok(b)) => u128::from(gcd_u64(a, b)),
            _ => gcd(num.unsigned_abs(), den.unsigned_abs()),
        };
        if divisor > 1 {
            let divisor = divisor as i128;
            num /= divisor;
            den /= divisor;
        }
        match (i64::try_from(num), i64::try_from(den)) {
            (Ok(num), Ok(den)) => Ql { num, den },
            _ => approximate(num as f64 / den as f64),
        }
    }
}

/// Greatest common divisor of two unsigned values (Euclid); `gcd(0, 0) == 0`.
fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        let rest = a % b;
        a = b;
        b = rest;
    }
    a
}

/// Greatest common divisor for the common case where both values fit in 64 bits.
fn gcd_u64(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        let rest = a % b;
        a = b;
        b = rest;
    }
    a
}

/// Best rational approximation with a bounded denominator, by continued fractions.
fn approximate(value: f64) -> Ql {
    let negative = value < 0.0;
    let mut rest = value.abs();
    let (mut p0, mut q0, mut p1, mut q1) = (0_i128, 1_i128, 1_i128, 0_i128);
    for _ in 0..64 {
        let whole = rest.floor();
        if whole > 1e17 {
            break;
        }
        let a = whole as i128;
        let (p2, q2) = (a * p1 + p0, a * q1 + q0);
        if q2 > APPROXIMATION_DENOMINATOR {
            break;
        }
        (p0, q0, p1, q1) = (p1, q1, p2, q2);
        let fraction = rest - whole;
        if fraction < 1e-12 {
            break;
        }
        rest = 1.0 / fraction;
    }
    if q1 == 0 {
        return Ql::ZERO;
    }
    let num = i64::try_from(if negative { -p1 } else { p1 }).unwrap_or(0);
    let den = i64::try_from(q1).unwrap_or(1);
    Ql::new(num, den)
}

impl Default for Ql {
    fn default() -> Ql {
        Ql::ZERO
    }
}

impl PartialOrd for Ql {
    fn partial_cmp(&self, other: &Ql) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ql {
    fn cmp(&self, other: &Ql) -> Ordering {
        let left = i128::from(self.num) * i128::from(other.den);
        let right = i128::from(other.num) * i128::from(self.den);
        left.cmp(&right)
    }
}

impl Add for Ql {
    type Output = Ql;
    fn add(self, other: Ql) -> Ql {
        let num = i128::from(self.num) * i128::from(other.den)
            + i128::from(other.num) * i128::from(self.den);
        Ql::from_i128(num, i128::from(self.den) * i128::from(other.den))
    }
}

impl Sub for Ql {
    type Output = Ql;
    fn sub(self, other: Ql) -> Ql {
        self + (-other)
    }
}

impl Neg for Ql {
    type Output = Ql;
    fn neg(self) -> Ql {
        Ql::from_i128(-i128::from(self.num), i128::from(self.den))
    }
}

impl Mul for Ql {
    type Output = Ql;
    fn mul(self, other: Ql) -> Ql {
        Ql::from_i128(
            i128::from(self.num) * i128::from(other.num),
            i128::from(self.den) * i128::from(other.den),
        )
    }
}

impl Div for Ql {
    type Output = Ql;
    /// Division; dividing by zero gives zero rather than panicking.
    fn div(self, other: Ql) -> Ql {
        Ql::from_i128(
            i128::from(self.num) * i128::from(other.den),
            i128::from(self.den) * i128::from(other.num),
        )
    }
}

impl AddAssign for Ql {
    fn add_assign(&mut self, other: Ql) {
        *self = *self + other;
    }
}

impl SubAssign for Ql {
    fn sub_assign(&mut self, other: Ql) {
        *self = *self - other;
    }
}

impl std::iter::Sum for Ql {
    fn sum<I: Iterator<Item = Ql>>(iter: I) -> Ql {
        iter.fold(Ql::ZERO, |total, value| total + value)
    }
}

impl From<i64> for Ql {
    fn from(value: i64) -> Ql {
        Ql::from_int(value)
    }
}

impl fmt::Display for Ql {
    /// Prints `"7"` for whole numbers and `"3/2"` otherwise, like the oracle's fraction strings.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

impl fmt::Debug for Ql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ql({self})")
    }
}

/// Why a string is not a quarter length.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a quarter length: {0:?}; expected a fraction like \"3/2\" or a decimal like \"1.5\"")]
pub struct ParseQlError(String);

impl FromStr for Ql {
    type Err = ParseQlError;

    /// Parses `"3/2"`, `"7"`, `"-1/3"` or a finite decimal such as `"1.25"`.
    fn from_str(text: &str) -> Result<Ql, ParseQlError> {
        let text = text.trim();
        let error = || ParseQlError(text.to_string());
        if let Some((num, den)) = text.split_once('/') {
            let num: i64 = num.trim().parse().map_err(|_| error())?;
            let den: i64 = den.trim().parse().map_err(|_| error())?;
            if den == 0 {
                return Err(error());
            }
            return Ok(Ql::new(num, den));
        }
        parse_decimal(text).ok_or_else(error)
    }
}

/// Parses an exact decimal (`"2"`, `"-0.75"`, `"1e2"` is refused) into a fraction.
pub(crate) fn parse_decimal(text: &str) -> Option<Ql> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || !all_digits(fraction) || whole.len() > 15 {
        return None;
    }
    let fraction = fraction.trim_end_matches('0');
    let fraction = &fraction[..fraction.len().min(12)];
    let whole_value: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let fraction_value: i64 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().ok()?
    };
    let scale = 10_i64.pow(fraction.len() as u32);
    let value = Ql::new(whole_value, 1) + Ql::new(fraction_value, scale);
    Some(if negative { -value } else { value })
}

impl Serialize for Ql {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Ql {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Ql, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_reduce_and_display_like_the_oracle() {
        assert_eq!(Ql::new(6, 4).to_string(), "3/2");
        assert_eq!(Ql::new(14, 2).to_string(), "7");
        assert_eq!(Ql::new(2, 6).to_string(), "1/3");
        assert_eq!(Ql::new(1, -3).to_string(), "-1/3");
        assert_eq!(Ql::ZERO.to_string(), "0");
    }

    #[test]
    fn arithmetic_is_exact() {
        let third = Ql::new(1, 3);
        assert_eq!(third + third + third, Ql::ONE);
        assert_eq!(Ql::ONE - third, Ql::new(2, 3));
        assert_eq!(third * Ql::from_int(6), Ql::from_int(2));
        assert_eq!(Ql::from_int(3) / Ql::from_int(4), Ql::new(3, 4));
        assert!(Ql::new(1, 3) < Ql::new(1, 2));
        assert_eq!(
            [Ql::new(1, 2), Ql::new(1, 4)].into_iter().sum::<Ql>(),
            Ql::new(3, 4)
        );
    }

    #[test]
    fn division_by_zero_and_overflow_never_panic() {
        assert_eq!(Ql::ONE / Ql::ZERO, Ql::ZERO);
        assert_eq!(Ql::new(5, 0), Ql::ZERO);
        let huge = Ql::new(i64::MAX, 1);
        let _ = huge + huge;
        let _ = huge * huge;
        let tiny = Ql::new(1, i64::MAX);
        let _ = tiny + Ql::new(1, i64::MAX - 1);
    }

    #[test]
    fn strings_parse_as_fractions_or_decimals() {
        assert_eq!("3/2".parse::<Ql>(), Ok(Ql::new(3, 2)));
        assert_eq!("7".parse::<Ql>(), Ok(Ql::from_int(7)));
        assert_eq!("1.25".parse::<Ql>(), Ok(Ql::new(5, 4)));
        assert_eq!("-0.5".parse::<Ql>(), Ok(Ql::new(-1, 2)));
        assert!("1/0".parse::<Ql>().is_err());
        assert!("abc".parse::<Ql>().is_err());
    }

    #[test]
    fn floats_are_approximated_with_small_denominators() {
        assert_eq!(Ql::from_f64(1.0 / 3.0), Ql::new(1, 3));
        assert_eq!(Ql::from_f64(0.75), Ql::new(3, 4));
        assert_eq!(Ql::from_f64(f64::NAN), Ql::ZERO);
    }

    #[test]
    fn serde_round_trips_through_the_fraction_string() {
        let json = serde_json::to_string(&Ql::new(3, 2)).unwrap();
        assert_eq!(json, "\"3/2\"");
        assert_eq!(serde_json::from_str::<Ql>(&json).unwrap(), Ql::new(3, 2));
    }
}

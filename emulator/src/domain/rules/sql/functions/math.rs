//! Numeric functions: exact ones on Int/Decimal, and the trigonometric and
//! logarithmic ones that the guide says work in double precision.

use super::super::ast::BinOp;
use super::super::decimal::{Decimal, RoundMode};
use super::super::eval::{Ctx, EResult, binary};
use super::super::value::Value;
use super::{args, floor_index, undefined};

/// Decimal arguments are rounded to double precision, the result is a double;
/// imaginary and infinite results are Undefined.
fn double1(a: &[Value], f: fn(f64) -> f64) -> EResult {
    let Some([x]) = args::<1>(a) else { return undefined() };
    let Some(d) = x.to_decimal() else { return undefined() };
    Ok(Value::from_f64(f(d.to_f64())))
}

fn double2(a: &[Value], f: fn(f64, f64) -> f64) -> EResult {
    let Some([x, y]) = args::<2>(a) else { return undefined() };
    let (Some(x), Some(y)) = (x.to_decimal(), y.to_decimal()) else { return undefined() };
    Ok(Value::from_f64(f(x.to_f64(), y.to_f64())))
}

pub fn acos(a: &[Value], _: &Ctx<'_>) -> EResult {
    double1(a, f64::acos)
}
pub fn asin(a: &[Value], _: &Ctx<'_>) -> EResult {
    double1(a, f64::asin)
}
pub fn atan(a: &[Value], _: &Ctx<'_>) -> EResult {
    double1(a, f64::atan)
}
/// `atan2(y, x)` in Java's argument order: `atan2(1, 0) = π/2`.
pub fn atan2(a: &[Value], _: &Ctx<'_>) -> EResult {
    double2(a, f64::atan2)
}
pub fn cos(a: &[Value], _: &Ctx<'_>) -> EResult {
    double1(a, f64::cos)
}
pub fn cosh(a: &[Value], _: &Ctx<'_>) -> EResult {
    double1(a, f64::cosh)
}
pub fn sin(a: &[Value], _: &Ctx<'_>) -> EResult {
    double1(a, f64::sin)
}
pub fn sinh(a: &[Value], _: &Ctx<'_>) -> EResult {
    double1(a, f64::sinh)
}
pub fn tan(a: &[Value], _: &Ctx<'_>) -> EResult {
    double1(a, f64::tan)
}
pub fn tanh(a: &[Value], _: &Ctx<'_>) -> EResult {
    double1(a, f64::tanh)
}
pub fn exp(a: &[Value], _: &Ctx<'_>) -> EResult {
    double1(a, f64::exp)
}
pub fn ln(a: &[Value], _: &Ctx<'_>) -> EResult {
    double1(a, f64::ln)
}
pub fn log(a: &[Value], _: &Ctx<'_>) -> EResult {
    double1(a, f64::log10)
}
pub fn sqrt(a: &[Value], _: &Ctx<'_>) -> EResult {
    double1(a, f64::sqrt)
}
pub fn power(a: &[Value], _: &Ctx<'_>) -> EResult {
    double2(a, f64::powf)
}

pub fn abs(a: &[Value], _: &Ctx<'_>) -> EResult {
    let Some([x]) = args::<1>(a) else { return undefined() };
    Ok(match x {
        Value::Int(i) => match i.checked_abs() {
            Some(a) => Value::Int(a),
            None => Value::Decimal(Decimal::from_int(*i).abs()),
        },
        Value::Decimal(d) => Value::Decimal(d.abs()),
        Value::String(_) => Value::from_decimal(x.to_decimal().map(|d| d.abs())),
        _ => Value::Undefined,
    })
}

/// Int stays; Decimal and numeric String are rounded to an Int with `mode`.
fn to_int_with(a: &[Value], mode: RoundMode) -> EResult {
    let Some([x]) = args::<1>(a) else { return undefined() };
    Ok(match x {
        Value::Int(i) => Value::Int(*i),
        Value::Decimal(_) | Value::String(_) => {
            x.to_decimal().and_then(|d| d.to_int(mode)).map_or(Value::Undefined, Value::Int)
        }
        _ => Value::Undefined,
    })
}

pub fn ceil(a: &[Value], _: &Ctx<'_>) -> EResult {
    to_int_with(a, RoundMode::Ceiling)
}
pub fn floor(a: &[Value], _: &Ctx<'_>) -> EResult {
    to_int_with(a, RoundMode::Floor)
}
/// Ties round away from zero: `Round(-1.5) = -2` (the examples; the table's
/// "rounded down" is DEFECT D20).
pub fn round(a: &[Value], _: &Ctx<'_>) -> EResult {
    to_int_with(a, RoundMode::HalfUp)
}

pub fn sign(a: &[Value], _: &Ctx<'_>) -> EResult {
    let Some([x]) = args::<1>(a) else { return undefined() };
    Ok(match x {
        Value::Int(i) => Value::Int(i.signum()),
        Value::Decimal(_) | Value::String(_) => {
            x.to_decimal().map_or(Value::Undefined, |d| Value::Int(i128::from(d.signum())))
        }
        _ => Value::Undefined,
    })
}

/// Same as the `%` operator.
pub fn modulo(a: &[Value], _: &Ctx<'_>) -> EResult {
    let Some([x, y]) = args::<2>(a) else { return undefined() };
    Ok(binary(BinOp::Mod, x, y))
}

/// Bit functions work on Int-converted arguments, Decimals and numeric
/// Strings rounded down; Booleans and the rest are Undefined.
fn bit_arg(v: &Value) -> Option<i128> {
    match v {
        Value::Int(_) | Value::Decimal(_) | Value::String(_) => v.to_int_floor(),
        _ => None,
    }
}

fn bits2(a: &[Value], f: fn(i128, i128) -> i128) -> EResult {
    let Some([x, y]) = args::<2>(a) else { return undefined() };
    let (Some(x), Some(y)) = (bit_arg(x), bit_arg(y)) else { return undefined() };
    Ok(Value::Int(f(x, y)))
}

pub fn bitand(a: &[Value], _: &Ctx<'_>) -> EResult {
    bits2(a, |x, y| x & y)
}
pub fn bitor(a: &[Value], _: &Ctx<'_>) -> EResult {
    bits2(a, |x, y| x | y)
}
pub fn bitxor(a: &[Value], _: &Ctx<'_>) -> EResult {
    bits2(a, |x, y| x ^ y)
}
/// Two's complement: `bitnot(13) = -14` (the guide's `2` is DEFECT D20).
pub fn bitnot(a: &[Value], _: &Ctx<'_>) -> EResult {
    let Some([x]) = args::<1>(a) else { return undefined() };
    Ok(bit_arg(x).map_or(Value::Undefined, |x| Value::Int(!x)))
}

/// `trunc(number, places)`: places rounded down and clamped to 0..=34,
/// trailing zeros stripped; Int with Int is returned as is.
pub fn trunc(a: &[Value], _: &Ctx<'_>) -> EResult {
    let Some([x, n]) = args::<2>(a) else { return undefined() };
    if let (Value::Int(i), Value::Int(_)) = (x, n) {
        return Ok(Value::Int(*i));
    }
    let numeric = |v: &Value| matches!(v, Value::Int(_) | Value::Decimal(_) | Value::String(_));
    if !numeric(x) || !numeric(n) {
        return undefined();
    }
    let (Some(d), Some(places)) = (x.to_decimal(), floor_index(n)) else { return undefined() };
    let places = places.clamp(0, 34) as i32;
    Ok(Value::Decimal(truncated(d, places)))
}

fn truncated(d: Decimal, places: i32) -> Decimal {
    d.trunc_places(places)
}

//! IoT SQL values (the guide's Data Types) and the implicit conversion tables.

use std::cmp::Ordering;
use std::fmt::Write as _;

use bytes::Bytes;

use super::decimal::{Decimal, RoundMode};

/// An IoT SQL value. `Undefined` is a value inside the engine and vanishes when
/// serialised; `Binary` is a non-JSON payload reached through `*`.
#[derive(Clone, Debug, Default)]
pub enum Value {
    #[default]
    Undefined,
    Null,
    Bool(bool),
    Int(i128),
    Decimal(Decimal),
    String(String),
    Array(Vec<Value>),
    Object(Object),
    Binary(Bytes),
}

/// A JSON object keeping its keys in insertion order (the output follows the
/// SELECT list).
#[derive(Clone, Debug, Default)]
pub struct Object(Vec<(String, Value)>);

impl Object {
    pub fn new() -> Object {
        Object(Vec::new())
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.0.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Sets `key`, replacing an earlier value in place.
    pub fn insert(&mut self, key: String, value: Value) {
        match self.get_mut(&key) {
            Some(slot) => *slot = value,
            None => self.0.push((key, value)),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<(String, Value)> for Object {
    fn from_iter<T: IntoIterator<Item = (String, Value)>>(iter: T) -> Object {
        let mut o = Object::new();
        for (k, v) in iter {
            o.insert(k, v);
        }
        o
    }
}

impl Value {
    pub fn str(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn is_undefined(&self) -> bool {
        matches!(self, Value::Undefined)
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Undefined => "Undefined",
            Value::Null => "Null",
            Value::Bool(_) => "Boolean",
            Value::Int(_) => "Int",
            Value::Decimal(_) => "Decimal",
            Value::String(_) => "String",
            Value::Array(_) => "Array",
            Value::Object(_) => "Object",
            Value::Binary(_) => "Binary",
        }
    }

    /// A double becomes a Decimal; non-finite doubles are Undefined.
    pub fn from_f64(v: f64) -> Value {
        Decimal::from_f64(v).map_or(Value::Undefined, Value::Decimal)
    }

    pub fn from_decimal(d: Option<Decimal>) -> Value {
        d.map_or(Value::Undefined, Value::Decimal)
    }

    /// From parsed JSON: integers stay Int, numbers with a fraction or exponent
    /// are Decimal.
    pub fn from_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Value::Int(i128::from(i))
                } else if let Some(u) = n.as_u64() {
                    Value::Int(i128::from(u))
                } else {
                    Value::from_f64(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(a) => Value::Array(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => {
                Value::Object(o.iter().map(|(k, v)| (k.clone(), Value::from_json(v))).collect())
            }
        }
    }

    /// To JSON; None for Undefined (and Binary, which JSON cannot carry).
    /// Undefined members and elements are dropped.
    pub fn to_json(&self) -> Option<serde_json::Value> {
        Some(match self {
            Value::Undefined | Value::Binary(_) => return None,
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => int_to_json(*i),
            Value::Decimal(d) => decimal_to_json(d)?,
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Array(a) => {
                serde_json::Value::Array(a.iter().filter_map(Value::to_json).collect())
            }
            Value::Object(o) => serde_json::Value::Object(
                o.iter().filter_map(|(k, v)| Some((k.clone(), v.to_json()?))).collect(),
            ),
        })
    }

    /// As [`Value::to_json`], moving strings instead of copying them.
    pub fn into_json(self) -> Option<serde_json::Value> {
        Some(match self {
            Value::Array(a) => {
                serde_json::Value::Array(a.into_iter().filter_map(Value::into_json).collect())
            }
            Value::Object(o) => serde_json::Value::Object(
                o.0.into_iter().filter_map(|(k, v)| Some((k, v.into_json()?))).collect(),
            ),
            Value::String(s) => serde_json::Value::String(s),
            other => return other.to_json(),
        })
    }

    // ---- the guide's conversion tables (L7732-7791) -------------------------

    /// "To Decimal". Null stays Null (callers treat it as not a number).
    pub fn to_decimal(&self) -> Option<Decimal> {
        match self {
            Value::Int(i) => Some(Decimal::from_int(*i)),
            Value::Decimal(d) => Some(*d),
            Value::String(s) => parse_numeric_string(s),
            _ => None,
        }
    }

    /// "To Int": Decimals round to the nearest Int, strings parse as Decimal and
    /// then truncate.
    pub fn to_int(&self) -> Option<i128> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Decimal(d) => d.to_int(RoundMode::HalfUp),
            Value::String(s) => parse_numeric_string(s)?.to_int(RoundMode::Down),
            _ => None,
        }
    }

    /// To Int rounding down (floor), as the bit functions, `chr`, `rpad`,
    /// `substring` and `trunc` document for their Decimal and String arguments.
    pub fn to_int_floor(&self) -> Option<i128> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Decimal(d) => d.to_int(RoundMode::Floor),
            Value::String(s) => parse_numeric_string(s)?.to_int(RoundMode::Floor),
            _ => None,
        }
    }

    /// "To Boolean".
    pub fn to_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    /// "To String": None for Null and Undefined.
    pub fn to_sql_string(&self) -> Option<String> {
        match self {
            Value::Undefined | Value::Null => None,
            Value::String(s) => Some(s.clone()),
            Value::Binary(b) => Some(String::from_utf8_lossy(b).into_owned()),
            _ => {
                let mut out = String::new();
                self.write_json(&mut out);
                Some(out)
            }
        }
    }

    /// JSON text with Ints and Decimals written exactly (BigDecimal notation).
    pub fn write_json(&self, out: &mut String) {
        match self {
            Value::Undefined => {}
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Decimal(d) => {
                let _ = write!(out, "{d}");
            }
            Value::String(s) => {
                out.push_str(&serde_json::Value::String(s.clone()).to_string());
            }
            Value::Binary(b) => {
                out.push_str(
                    &serde_json::Value::String(String::from_utf8_lossy(b).into_owned()).to_string(),
                );
            }
            Value::Array(a) => {
                out.push('[');
                let mut first = true;
                for v in a.iter().filter(|v| !v.is_undefined()) {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    v.write_json(out);
                }
                out.push(']');
            }
            Value::Object(o) => {
                out.push('{');
                let mut first = true;
                for (k, v) in o.iter().filter(|(_, v)| !v.is_undefined()) {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    out.push_str(&serde_json::Value::String(k.clone()).to_string());
                    out.push(':');
                    v.write_json(out);
                }
                out.push('}');
            }
        }
    }

    /// The `=` operator: None when either side is Undefined; mismatched types
    /// are unequal; Int and Decimal compare numerically.
    pub fn sql_eq(&self, other: &Value) -> Option<bool> {
        Some(match (self, other) {
            (Value::Undefined, _) | (_, Value::Undefined) => return None,
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Int(_) | Value::Decimal(_), Value::Int(_) | Value::Decimal(_)) => {
                self.to_decimal()?.num_eq(&other.to_decimal()?)
            }
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Binary(a), Value::Binary(b)) => a == b,
            (Value::Array(a), Value::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.sql_eq(y).unwrap_or(false))
            }
            (Value::Object(a), Value::Object(b)) => {
                let a_keys = a.iter().filter(|(_, v)| !v.is_undefined()).count();
                let b_keys = b.iter().filter(|(_, v)| !v.is_undefined()).count();
                a_keys == b_keys
                    && a.iter()
                        .filter(|(_, v)| !v.is_undefined())
                        .all(|(k, v)| b.get(k).is_some_and(|w| v.sql_eq(w).unwrap_or(false)))
            }
            _ => false,
        })
    }

    /// Numeric ordering after conversion to Decimal (the comparison operators).
    pub fn numeric_cmp(&self, other: &Value) -> Option<Ordering> {
        if let (Value::Int(a), Value::Int(b)) = (self, other) {
            return Some(a.cmp(b));
        }
        Some(self.to_decimal()?.compare(&other.to_decimal()?))
    }
}

fn int_to_json(i: i128) -> serde_json::Value {
    if let Ok(v) = i64::try_from(i) {
        serde_json::Value::from(v)
    } else if let Ok(v) = u64::try_from(i) {
        serde_json::Value::from(v)
    } else {
        serde_json::Number::from_f64(i as f64)
            .map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

/// A Decimal without decimal places (`trunc(2.3, 0)`, `1E+3`) is written as
/// an integer, as Java writes a scale-0 BigDecimal; others as a double. None
/// (so the value vanishes like Undefined) beyond a double's range.
fn decimal_to_json(d: &Decimal) -> Option<serde_json::Value> {
    if d.scale() <= 0
        && let Some(i) = d.to_int(RoundMode::Down).and_then(|i| i64::try_from(i).ok())
    {
        return Some(serde_json::Value::from(i));
    }
    serde_json::Number::from_f64(d.to_f64()).map(serde_json::Value::Number)
}

/// Strings convert to numbers only when they match
/// `^-?\d+(\.\d+)?((?i)E-?\d+)?$` (the guide's regular expression).
pub fn parse_numeric_string(s: &str) -> Option<Decimal> {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits_from = |mut i: usize| {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        (i > start).then_some(i)
    };
    i = digits_from(i)?;
    if b.get(i) == Some(&b'.') {
        i = digits_from(i + 1)?;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        i = digits_from(i)?;
    }
    if i != b.len() {
        return None;
    }
    Decimal::parse(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_conversion_follows_the_guide_regex() {
        assert!(parse_numeric_string("0").is_some());
        assert!(parse_numeric_string("-1.2").is_some());
        assert!(parse_numeric_string("5E-12").is_some());
        assert!(parse_numeric_string("5e3").is_some());
        assert!(parse_numeric_string("+5").is_none());
        assert!(parse_numeric_string(".5").is_none());
        assert!(parse_numeric_string("5.").is_none());
        assert!(parse_numeric_string(" 5").is_none());
        assert!(parse_numeric_string("5E+3").is_none());
    }

    #[test]
    fn conversions_to_int_round_or_truncate_as_documented() {
        assert_eq!(Value::Decimal(Decimal::parse("1.5").unwrap()).to_int(), Some(2));
        assert_eq!(Value::str("1.9").to_int(), Some(1));
        assert_eq!(Value::Bool(true).to_int(), None);
        assert_eq!(Value::Null.to_int(), None);
    }

    #[test]
    fn undefined_members_vanish_from_json() {
        let o: Object = [("foo".to_string(), Value::Null), ("bar".to_string(), Value::Undefined)]
            .into_iter()
            .collect();
        assert_eq!(Value::Object(o).to_json().unwrap().to_string(), r#"{"foo":null}"#);
    }

    #[test]
    fn equality_table() {
        let one = Value::Int(1);
        let one_dec = Value::Decimal(Decimal::parse("1.0").unwrap());
        assert_eq!(one.sql_eq(&one_dec), Some(true));
        assert_eq!(one.sql_eq(&Value::str("1")), Some(false));
        assert_eq!(one.sql_eq(&Value::Undefined), None);
        assert_eq!(Value::Null.sql_eq(&Value::Null), Some(true));
    }
}

//! String, collection and regular-expression functions. Non-string arguments
//! go through the standard "To String" conversion; Null and Undefined give
//! Undefined.

use base64::Engine as _;

use super::super::eval::{Ctx, EResult};
use super::super::value::Value;
use super::{args, floor_index, nearest_index, string, undefined};

fn s(v: &Value) -> Option<String> {
    v.to_sql_string()
}

fn map1(a: &[Value], f: impl FnOnce(String) -> String) -> EResult {
    let Some([x]) = args::<1>(a) else { return undefined() };
    Ok(s(x).map_or(Value::Undefined, |x| Value::String(f(x))))
}

pub fn lower(a: &[Value], _: &Ctx<'_>) -> EResult {
    map1(a, |x| x.to_lowercase())
}
pub fn upper(a: &[Value], _: &Ctx<'_>) -> EResult {
    map1(a, |x| x.to_uppercase())
}
pub fn trim(a: &[Value], _: &Ctx<'_>) -> EResult {
    map1(a, |x| x.trim().to_string())
}
pub fn ltrim(a: &[Value], _: &Ctx<'_>) -> EResult {
    map1(a, |x| x.trim_start().to_string())
}
pub fn rtrim(a: &[Value], _: &Ctx<'_>) -> EResult {
    map1(a, |x| x.trim_end().to_string())
}

pub fn length(a: &[Value], _: &Ctx<'_>) -> EResult {
    let Some([x]) = args::<1>(a) else { return undefined() };
    Ok(s(x).map_or(Value::Undefined, |x| Value::Int(x.chars().count() as i128)))
}

pub fn numbytes(a: &[Value], _: &Ctx<'_>) -> EResult {
    let Some([x]) = args::<1>(a) else { return undefined() };
    Ok(s(x).map_or(Value::Undefined, |x| Value::Int(x.len() as i128)))
}

/// The ASCII character for a code (Decimals and Strings rounded down).
pub fn chr(a: &[Value], _: &Ctx<'_>) -> EResult {
    let Some([x]) = args::<1>(a) else { return undefined() };
    if !matches!(x, Value::Int(_) | Value::Decimal(_) | Value::String(_)) {
        return undefined();
    }
    match x.to_int_floor() {
        Some(c @ 0..=127) => string(char::from(c as u8).to_string()),
        _ => undefined(),
    }
}

/// Arrays concatenate (scalars become elements); otherwise the string forms
/// concatenate. One argument is returned unmodified.
pub fn concat(a: &[Value], _: &Ctx<'_>) -> EResult {
    match a {
        [] => undefined(),
        [one] => Ok(one.clone()),
        _ if a.iter().any(|v| matches!(v, Value::Array(_))) => {
            let mut out = Vec::new();
            for v in a {
                match v {
                    Value::Array(items) => out.extend(items.iter().cloned()),
                    other => out.push(other.clone()),
                }
            }
            Ok(Value::Array(out))
        }
        _ => {
            let mut out = String::new();
            for v in a {
                match s(v) {
                    Some(x) => out.push_str(&x),
                    None => return undefined(),
                }
            }
            string(out)
        }
    }
}

/// `encode(value, 'base64')`: `*` is the raw payload; other values are
/// converted to a string first.
pub fn encode(a: &[Value], _: &Ctx<'_>) -> EResult {
    let Some([v, scheme]) = args::<2>(a) else { return undefined() };
    if !matches!(scheme, Value::String(x) if x.eq_ignore_ascii_case("base64")) {
        return undefined();
    }
    let engine = base64::engine::general_purpose::STANDARD;
    Ok(match v {
        Value::Binary(b) => Value::String(engine.encode(b)),
        other => s(other).map_or(Value::Undefined, |x| Value::String(engine.encode(x.as_bytes()))),
    })
}

fn strings2(a: &[Value], f: impl FnOnce(&str, &str) -> Value) -> EResult {
    let Some([x, y]) = args::<2>(a) else { return undefined() };
    let (Some(x), Some(y)) = (s(x), s(y)) else { return undefined() };
    Ok(f(&x, &y))
}

pub fn startswith(a: &[Value], _: &Ctx<'_>) -> EResult {
    strings2(a, |x, y| Value::Bool(x.starts_with(y)))
}
pub fn endswith(a: &[Value], _: &Ctx<'_>) -> EResult {
    strings2(a, |x, y| Value::Bool(x.ends_with(y)))
}
/// 0-based character index of the first occurrence, -1 when absent.
pub fn indexof(a: &[Value], _: &Ctx<'_>) -> EResult {
    strings2(a, |x, y| match x.find(y) {
        Some(byte) => Value::Int(x[..byte].chars().count() as i128),
        None => Value::Int(-1),
    })
}

/// `replace(s, from, to)`: every literal occurrence (used by the guide's
/// error-action example; not in its function list).
pub fn replace(a: &[Value], _: &Ctx<'_>) -> EResult {
    let Some([x, from, to]) = args::<3>(a) else { return undefined() };
    let (Some(x), Some(from), Some(to)) = (s(x), s(from), s(to)) else { return undefined() };
    string(x.replace(&from, &to))
}

/// `get(collection, key)`: 0-based index into an Array or String, key of an
/// Object (no conversion of the key).
pub fn get(a: &[Value], _: &Ctx<'_>) -> EResult {
    let Some([c, k]) = args::<2>(a) else { return undefined() };
    Ok(match c {
        Value::Array(items) => k
            .to_int()
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| items.get(i).cloned())
            .unwrap_or_default(),
        Value::String(text) => k
            .to_int()
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| text.chars().nth(i))
            .map_or(Value::Undefined, |ch| Value::String(ch.to_string())),
        Value::Object(o) => match k {
            Value::String(key) => o.get(key).cloned().unwrap_or_default(),
            _ => Value::Undefined,
        },
        _ => Value::Undefined,
    })
}

/// `lpad`/`rpad` add that many spaces (clamped to 0..=1000).
fn pad(a: &[Value], left: bool) -> EResult {
    let Some([x, n]) = args::<2>(a) else { return undefined() };
    let count = match n {
        Value::Int(_) | Value::String(_) => floor_index(n),
        // lpad's table rounds Decimals to nearest, rpad's rounds them down.
        Value::Decimal(_) if left => nearest_index(n),
        Value::Decimal(_) => floor_index(n),
        _ => None,
    };
    let (Some(x), Some(count)) = (s(x), count) else { return undefined() };
    let spaces = " ".repeat(count.clamp(0, 1000) as usize);
    string(if left { spaces + &x } else { x + &spaces })
}

pub fn lpad(a: &[Value], _: &Ctx<'_>) -> EResult {
    pad(a, true)
}
pub fn rpad(a: &[Value], _: &Ctx<'_>) -> EResult {
    pad(a, false)
}

/// `substring(s, start[, end])`: 0-based, end exclusive, indices rounded down
/// and clamped to the string; start ≥ end gives "".
pub fn substring(a: &[Value], _: &Ctx<'_>) -> EResult {
    let (x, start, end) = match a {
        [x, start] => (x, start, None),
        [x, start, end] => (x, start, Some(end)),
        _ => return undefined(),
    };
    let index = |v: &Value| match v {
        Value::Int(_) | Value::Decimal(_) | Value::String(_) => floor_index(v),
        _ => None,
    };
    let Some(text) = s(x) else { return undefined() };
    let chars: Vec<char> = text.chars().collect();
    let len = chars.len() as i128;
    let Some(start) = index(start) else { return undefined() };
    let end = match end {
        Some(e) => match index(e) {
            Some(e) => e,
            None => return undefined(),
        },
        None => len,
    };
    let (start, end) = (start.clamp(0, len) as usize, end.clamp(0, len) as usize);
    if start >= end {
        return string("");
    }
    string(chars[start..end].iter().collect::<String>())
}

/// Compiled patterns are cached per thread: a rule usually applies the same
/// literal pattern to every message, and compiling costs far more than matching.
fn regex(pattern: &str) -> Option<regex::Regex> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    const CAPACITY: usize = 128;
    thread_local! {
        static CACHE: RefCell<HashMap<String, Option<regex::Regex>>> = RefCell::new(HashMap::new());
    }
    CACHE.with(|cache| {
        if let Some(hit) = cache.borrow().get(pattern) {
            return hit.clone();
        }
        let compiled = regex::Regex::new(pattern).ok();
        let mut cache = cache.borrow_mut();
        if cache.len() >= CAPACITY {
            cache.clear();
        }
        cache.insert(pattern.to_string(), compiled.clone());
        compiled
    })
}

pub fn regexp_matches(a: &[Value], _: &Ctx<'_>) -> EResult {
    let Some([x, p]) = args::<2>(a) else { return undefined() };
    let (Some(x), Some(p)) = (s(x), s(p)) else { return undefined() };
    Ok(regex(&p).map_or(Value::Undefined, |re| Value::Bool(re.is_match(&x))))
}

/// The first match; Undefined when there is none.
pub fn regexp_substr(a: &[Value], _: &Ctx<'_>) -> EResult {
    let Some([x, p]) = args::<2>(a) else { return undefined() };
    let (Some(x), Some(p)) = (s(x), s(p)) else { return undefined() };
    let Some(re) = regex(&p) else { return undefined() };
    Ok(re.find(&x).map_or(Value::Undefined, |m| Value::String(m.as_str().to_string())))
}

/// Replaces every match; the replacement uses Java's syntax (`$1` for a
/// group, `\$` for a dollar), rewritten to the regex crate's (`${1}`, `$$`).
pub fn regexp_replace(a: &[Value], _: &Ctx<'_>) -> EResult {
    let Some([x, p, r]) = args::<3>(a) else { return undefined() };
    let (Some(x), Some(p), Some(r)) = (s(x), s(p), s(r)) else { return undefined() };
    let Some(re) = regex(&p) else { return undefined() };
    let Some(replacement) = java_replacement(&r, re.captures_len()) else { return undefined() };
    string(re.replace_all(&x, replacement.as_str()).into_owned())
}

/// None when the replacement is invalid (a dangling `$` or `\`, or a group
/// that the pattern does not have).
fn java_replacement(r: &str, groups: usize) -> Option<String> {
    let mut out = String::new();
    let mut chars = r.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                '$' => out.push_str("$$"),
                other => out.push(other),
            },
            '$' => {
                let mut n = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    n.push(*d);
                    chars.next();
                }
                let g: usize = n.parse().ok()?;
                if g >= groups {
                    return None;
                }
                out.push_str(&format!("${{{g}}}"));
            }
            other => out.push(other),
        }
    }
    Some(out)
}

//! Evaluation of IoT SQL: the operators' tables, Undefined semantics, WHERE
//! before SELECT, nested queries and the shape of the output.

use std::cmp::Ordering;

use super::ast::{BinOp, CastType, Expr, From, IsKind, Query, Seg, Select, SelectItem};
use super::decimal::{Decimal, RoundMode};
use super::error::EvalError;
use super::value::{Object, Value};
use super::{MessageInput, SqlEnvironment};

/// The incoming payload, parsed once per message.
pub enum Payload {
    Json(serde_json::Value),
    /// Not JSON: only `*` and functions can see it.
    Binary,
}

impl Payload {
    pub fn parse(bytes: &[u8]) -> Payload {
        match serde_json::from_slice(bytes) {
            Ok(v) => Payload::Json(v),
            Err(_) => Payload::Binary,
        }
    }
}

/// What one evaluation can see.
pub struct Ctx<'a> {
    pub input: &'a MessageInput<'a>,
    pub env: &'a dyn SqlEnvironment,
    pub payload: &'a Payload,
}

/// What names resolve against: the message, or the current element of a
/// nested query.
#[derive(Clone, Copy)]
pub enum Root<'a> {
    Message,
    Element(&'a Value),
}

pub type EResult = Result<Value, EvalError>;

impl Ctx<'_> {
    /// The payload as a value (`*`).
    pub fn whole_payload(&self) -> Value {
        match self.payload {
            Payload::Json(j) => Value::from_json(j),
            Payload::Binary => Value::Binary(bytes::Bytes::copy_from_slice(self.input.payload)),
        }
    }

    pub fn eval(&self, e: &Expr, root: Root<'_>) -> EResult {
        Ok(match e {
            Expr::Lit(v) => v.clone(),
            Expr::Path(segs) => self.path(segs, root)?,
            Expr::Star => match root {
                Root::Message => self.whole_payload(),
                Root::Element(v) => v.clone(),
            },
            Expr::Member(inner, key) => member(self.eval(inner, root)?, key),
            Expr::Index(inner, index) => {
                let base = self.eval(inner, root)?;
                let index = self.eval(index, root)?;
                match (base, index.to_int()) {
                    (Value::Array(items), Some(i)) => index_array(items, i),
                    _ => Value::Undefined,
                }
            }
            Expr::Neg(inner) => match self.eval(inner, root)? {
                Value::Int(i) => match i.checked_neg() {
                    Some(n) => Value::Int(n),
                    None => Value::from_decimal(Some(Decimal::from_int(i).neg())),
                },
                Value::Decimal(d) => Value::Decimal(d.neg()),
                v @ Value::String(_) => Value::from_decimal(v.to_decimal().map(|d| d.neg())),
                _ => Value::Undefined,
            },
            Expr::Not(inner) => match self.eval(inner, root)?.to_bool() {
                Some(b) => Value::Bool(!b),
                None => Value::Undefined,
            },
            Expr::And(a, b) => {
                let a = self.eval(a, root)?.to_bool();
                let b = self.eval(b, root)?.to_bool();
                match (a, b) {
                    (Some(a), Some(b)) => Value::Bool(a && b),
                    _ => Value::Undefined,
                }
            }
            Expr::Or(a, b) => {
                let a = self.eval(a, root)?.to_bool();
                let b = self.eval(b, root)?.to_bool();
                match (a, b) {
                    (Some(a), Some(b)) => Value::Bool(a || b),
                    _ => Value::Undefined,
                }
            }
            Expr::Bin(op, a, b) => {
                let a = self.eval(a, root)?;
                let b = self.eval(b, root)?;
                binary(*op, &a, &b)
            }
            Expr::Is { expr, negated, kind } => {
                let v = self.eval(expr, root)?;
                let is = match kind {
                    IsKind::Null => matches!(v, Value::Null),
                    IsKind::Undefined => v.is_undefined(),
                };
                Value::Bool(is != *negated)
            }
            Expr::Case { operand, whens, otherwise } => {
                let v = self.eval(operand, root)?;
                if v.is_undefined() {
                    return Ok(Value::Undefined);
                }
                for (t, r) in whens {
                    if v.sql_eq(&self.eval(t, root)?) == Some(true) {
                        return self.eval(r, root);
                    }
                }
                match otherwise {
                    Some(o) => self.eval(o, root)?,
                    None => Value::Undefined,
                }
            }
            Expr::Call { func, args } => {
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    values.push(match (a, root) {
                        // `encode(*, ...)` encodes the payload as received.
                        (Expr::Star, Root::Message) if func.raw_star => {
                            Value::Binary(bytes::Bytes::copy_from_slice(self.input.payload))
                        }
                        _ => self.eval(a, root)?,
                    });
                }
                (func.eval)(&values, self)?
            }
            Expr::Cast(inner, ty) => cast(self.eval(inner, root)?, *ty),
            Expr::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.eval(i, root)?);
                }
                Value::Array(out)
            }
            Expr::Object(members) => {
                let mut o = Object::new();
                for (k, e) in members {
                    o.insert(k.clone(), self.eval(e, root)?);
                }
                Value::Object(o)
            }
            Expr::SubQuery(q) => self.sub_query(q, root)?,
        })
    }

    fn path(&self, segs: &[Seg], root: Root<'_>) -> EResult {
        match root {
            Root::Message => match self.payload {
                Payload::Json(json) => {
                    let mut at = json;
                    for seg in segs {
                        let next = match (seg, at) {
                            (Seg::Key(k), serde_json::Value::Object(o)) => o.get(k.as_str()),
                            (Seg::Index(i), serde_json::Value::Array(a)) => {
                                usize::try_from(*i).ok().and_then(|i| a.get(i))
                            }
                            _ => None,
                        };
                        match next {
                            Some(n) => at = n,
                            None => return Ok(Value::Undefined),
                        }
                    }
                    Ok(Value::from_json(at))
                }
                Payload::Binary => Err(EvalError::PayloadNotJson),
            },
            Root::Element(v) => {
                let mut at = v;
                for seg in segs {
                    let next = match (seg, at) {
                        (Seg::Key(k), Value::Object(o)) => o.get(k),
                        (Seg::Index(i), Value::Array(a)) => {
                            usize::try_from(*i).ok().and_then(|i| a.get(i))
                        }
                        _ => None,
                    };
                    match next {
                        Some(n) => at = n,
                        None => return Ok(Value::Undefined),
                    }
                }
                Ok(at.clone())
            }
        }
    }

    /// `(SELECT ... FROM array WHERE ...)`: the SELECT applied to every element
    /// for which the WHERE holds, as an array.
    fn sub_query(&self, q: &Query, root: Root<'_>) -> EResult {
        let From::Expr(source) = &q.from else {
            return Ok(Value::Undefined);
        };
        let Value::Array(items) = self.eval(source, root)? else {
            return Ok(Value::Undefined);
        };
        let mut out = Vec::new();
        for item in &items {
            let element = Root::Element(item);
            if let Some(w) = &q.where_
                && !matches!(self.eval(w, element)?, Value::Bool(true))
            {
                continue;
            }
            out.push(self.select(&q.select, element)?);
        }
        Ok(Value::Array(out))
    }

    /// The SELECT list as a value (an object, or the VALUE expression).
    pub fn select(&self, select: &Select, root: Root<'_>) -> EResult {
        match select {
            Select::Value(e) => self.eval(e, root),
            Select::Items(items) => {
                let mut out = Object::new();
                for item in items {
                    match item {
                        SelectItem::Star { alias: None } => match self.eval(&Expr::Star, root)? {
                            Value::Object(o) => {
                                for (k, v) in o.iter() {
                                    out.insert(k.clone(), v.clone());
                                }
                            }
                            Value::Binary(_) => return Err(EvalError::PayloadNotJson),
                            _ => {}
                        },
                        SelectItem::Star { alias: Some(name) } => {
                            let v = self.eval(&Expr::Star, root)?;
                            if matches!(v, Value::Binary(_)) {
                                return Err(EvalError::PayloadNotJson);
                            }
                            set_path(&mut out, name, v);
                        }
                        SelectItem::Expr { expr, name } => {
                            let v = self.eval(expr, root)?;
                            if !v.is_undefined() {
                                set_path(&mut out, name, v);
                            }
                        }
                    }
                }
                Ok(Value::Object(out))
            }
        }
    }
}

/// `AS a.b` nests the value under `a`.
fn set_path(out: &mut Object, name: &[String], v: Value) {
    match name {
        [] => {}
        [last] => out.insert(last.clone(), v),
        [first, rest @ ..] => {
            if !matches!(out.get(first), Some(Value::Object(_))) {
                out.insert(first.clone(), Value::Object(Object::new()));
            }
            if let Some(Value::Object(inner)) = out.get_mut(first) {
                set_path(inner, rest, v);
            }
        }
    }
}

fn member(v: Value, key: &str) -> Value {
    match v {
        Value::Object(o) => o.get(key).cloned().unwrap_or_default(),
        _ => Value::Undefined,
    }
}

fn index_array(items: Vec<Value>, i: i128) -> Value {
    usize::try_from(i).ok().and_then(|i| items.into_iter().nth(i)).unwrap_or_default()
}

/// The arithmetic and comparison operators' tables.
pub fn binary(op: BinOp, a: &Value, b: &Value) -> Value {
    match op {
        BinOp::Eq => a.sql_eq(b).map_or(Value::Undefined, Value::Bool),
        BinOp::Ne => match (a, b) {
            (Value::Null, Value::Null) => Value::Bool(false),
            _ => a.sql_eq(b).map_or(Value::Undefined, |e| Value::Bool(!e)),
        },
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => match a.numeric_cmp(b) {
            Some(o) => Value::Bool(match op {
                BinOp::Lt => o == Ordering::Less,
                BinOp::Le => o != Ordering::Greater,
                BinOp::Gt => o == Ordering::Greater,
                _ => o != Ordering::Less,
            }),
            None => Value::Undefined,
        },
        BinOp::Add => {
            if matches!(a, Value::String(_)) || matches!(b, Value::String(_)) {
                return match (a.to_sql_string(), b.to_sql_string()) {
                    (Some(x), Some(y)) => Value::String(x + &y),
                    _ => Value::Undefined,
                };
            }
            arith(op, a, b)
        }
        BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => arith(op, a, b),
    }
}

fn arith(op: BinOp, a: &Value, b: &Value) -> Value {
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        let r = match op {
            BinOp::Add => x.checked_add(*y),
            BinOp::Sub => x.checked_sub(*y),
            BinOp::Mul => x.checked_mul(*y),
            // Int / Int is integer division (truncating), as Java's.
            BinOp::Div => {
                if *y == 0 {
                    return Value::Undefined;
                }
                x.checked_div(*y)
            }
            BinOp::Mod => {
                if *y == 0 {
                    return Value::Undefined;
                }
                x.checked_rem(*y)
            }
            _ => None,
        };
        if let Some(r) = r {
            return Value::Int(r);
        }
    }
    let numeric = |v: &Value| matches!(v, Value::Int(_) | Value::Decimal(_) | Value::String(_));
    if !numeric(a) || !numeric(b) {
        return Value::Undefined;
    }
    let (Some(x), Some(y)) = (a.to_decimal(), b.to_decimal()) else {
        return Value::Undefined;
    };
    Value::from_decimal(match op {
        BinOp::Add => x.checked_add(y),
        BinOp::Sub => x.checked_sub(y),
        BinOp::Mul => x.checked_mul(y),
        BinOp::Div => x.checked_div(y),
        BinOp::Mod => x.checked_rem(y),
        _ => None,
    })
}

/// `cast(v AS type)`: the conversions plus numbers to and from Booleans;
/// Decimal to Int rounds down.
pub fn cast(v: Value, ty: CastType) -> Value {
    match ty {
        CastType::Decimal => match v {
            Value::Bool(b) => Value::Decimal(Decimal::new(if b { 10 } else { 0 }, 1)),
            Value::Null => Value::Undefined,
            other => Value::from_decimal(other.to_decimal()),
        },
        CastType::Int => match v {
            Value::Bool(b) => Value::Int(i128::from(b)),
            Value::Int(i) => Value::Int(i),
            Value::Decimal(d) => d.to_int(RoundMode::Floor).map_or(Value::Undefined, Value::Int),
            Value::String(s) => super::value::parse_numeric_string(&s)
                .and_then(|d| d.to_int(RoundMode::Floor))
                .map_or(Value::Undefined, Value::Int),
            _ => Value::Undefined,
        },
        CastType::Boolean => match v {
            Value::Int(i) => Value::Bool(i != 0),
            Value::Decimal(d) => Value::Bool(!d.is_zero()),
            other => other.to_bool().map_or(Value::Undefined, Value::Bool),
        },
        CastType::String => v.to_sql_string().map_or(Value::Undefined, Value::String),
    }
}

//! Condition operators, with IAM semantics over policy variables as condition keys.
//!
//! A statement's `Condition` is flattened into one [`Condition`] per (operator, key); all of
//! them must hold (keys AND-ed), and a key holds when its value matches any of the listed
//! values (values OR-ed). Negated operators (`StringNotEquals`, ...) hold when the value
//! matches none of them. `ForAllValues:`/`ForAnyValue:` compare every value of a `.List` key;
//! `...IfExists` holds when the key is absent. Unknown operators are a malformed document.

use std::net::IpAddr;

use serde_json::Value;

use super::context::AuthContext;
use super::glob::Pattern;
use super::variables::{self, Lookup, Variable};

/// How the values of a multi-valued key are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Qualifier {
    /// No set qualifier: a single-valued key (a `.List` key then behaves like `ForAnyValue`).
    Single,
    /// Every value must match; vacuously true when the key has no value (IAM semantics).
    ForAllValues,
    /// At least one value must match; false when the key has no value.
    ForAnyValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumCmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    StringEquals,
    StringEqualsIgnoreCase,
    /// Also `ArnLike`/`ArnEquals`: IAM globs ARNs the same way.
    StringLike,
    Numeric(NumCmp),
    Bool,
    IpAddress,
    Null,
}

/// The listed values, compiled for their operator.
#[derive(Debug, Clone, PartialEq)]
enum Values {
    Patterns(Vec<Pattern>),
    Numbers(Vec<f64>),
    Bools(Vec<bool>),
    Cidrs(Vec<Cidr>),
}

/// One (operator, key, values) test of a statement's `Condition`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    op: Op,
    negated: bool,
    qualifier: Qualifier,
    if_exists: bool,
    key: Variable,
    key_name: Box<str>,
    values: Values,
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    s.get(..prefix.len())?.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    s.get(cut..)?.eq_ignore_ascii_case(suffix).then(|| &s[..cut])
}

/// Parses an operator name into (operator, negated, qualifier, if_exists).
fn parse_operator(name: &str) -> Option<(Op, bool, Qualifier, bool)> {
    let (qualifier, rest) = if let Some(r) = strip_prefix_ci(name, "ForAllValues:") {
        (Qualifier::ForAllValues, r)
    } else if let Some(r) = strip_prefix_ci(name, "ForAnyValue:") {
        (Qualifier::ForAnyValue, r)
    } else {
        (Qualifier::Single, name)
    };
    let (rest, if_exists) = match strip_suffix_ci(rest, "IfExists") {
        Some(r) => (r, true),
        None => (rest, false),
    };
    const OPS: &[(&str, Op, bool)] = &[
        ("StringEquals", Op::StringEquals, false),
        ("StringNotEquals", Op::StringEquals, true),
        ("StringEqualsIgnoreCase", Op::StringEqualsIgnoreCase, false),
        ("StringNotEqualsIgnoreCase", Op::StringEqualsIgnoreCase, true),
        ("StringLike", Op::StringLike, false),
        ("StringNotLike", Op::StringLike, true),
        ("ArnEquals", Op::StringLike, false),
        ("ArnLike", Op::StringLike, false),
        ("ArnNotEquals", Op::StringLike, true),
        ("ArnNotLike", Op::StringLike, true),
        ("NumericEquals", Op::Numeric(NumCmp::Eq), false),
        ("NumericNotEquals", Op::Numeric(NumCmp::Eq), true),
        ("NumericLessThan", Op::Numeric(NumCmp::Lt), false),
        ("NumericLessThanEquals", Op::Numeric(NumCmp::Le), false),
        ("NumericGreaterThan", Op::Numeric(NumCmp::Gt), false),
        ("NumericGreaterThanEquals", Op::Numeric(NumCmp::Ge), false),
        ("Bool", Op::Bool, false),
        ("IpAddress", Op::IpAddress, false),
        ("NotIpAddress", Op::IpAddress, true),
        ("Null", Op::Null, false),
    ];
    let &(_, op, negated) = OPS.iter().find(|(n, _, _)| n.eq_ignore_ascii_case(rest))?;
    // `Null` tests presence itself: neither a set qualifier nor IfExists means anything there.
    if op == Op::Null && (if_exists || qualifier != Qualifier::Single) {
        return None;
    }
    Some((op, negated, qualifier, if_exists))
}

/// Parses a statement's `Condition` object; errors are the malformed-policy message.
pub(crate) fn parse_conditions(value: &Value) -> Result<Vec<Condition>, String> {
    let Value::Object(blocks) = value else {
        return Err("Condition must be an object".into());
    };
    let mut out = Vec::new();
    for (op_name, keys) in blocks {
        let (op, negated, qualifier, if_exists) = parse_operator(op_name)
            .ok_or_else(|| format!("unknown condition operator \"{op_name}\""))?;
        let Value::Object(keys) = keys else {
            return Err(format!("condition operator \"{op_name}\" must map keys to values"));
        };
        if keys.is_empty() {
            return Err(format!("condition operator \"{op_name}\" has no keys"));
        }
        for (key_name, raw_values) in keys {
            let strings = scalar_list(raw_values)
                .ok_or_else(|| format!("condition \"{op_name}\" key \"{key_name}\" needs a value or a non-empty list of values"))?;
            let values = compile_values(op, &strings).ok_or_else(|| {
                format!("condition \"{op_name}\" key \"{key_name}\" has an invalid value")
            })?;
            out.push(Condition {
                op,
                negated,
                qualifier,
                if_exists,
                key: Variable::parse(key_name),
                key_name: key_name.as_str().into(),
                values,
            });
        }
    }
    Ok(out)
}

/// A string, number or boolean, or a non-empty array of them, as strings.
fn scalar_list(value: &Value) -> Option<Vec<String>> {
    fn scalar(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
    match value {
        Value::Array(items) if !items.is_empty() => items.iter().map(scalar).collect(),
        Value::Array(_) => None,
        v => scalar(v).map(|s| vec![s]),
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn compile_values(op: Op, strings: &[String]) -> Option<Values> {
    Some(match op {
        Op::StringEquals | Op::StringEqualsIgnoreCase => {
            Values::Patterns(strings.iter().map(|s| Pattern::new(s, false, true)).collect())
        }
        Op::StringLike => {
            Values::Patterns(strings.iter().map(|s| Pattern::new(s, true, true)).collect())
        }
        Op::Numeric(_) => {
            Values::Numbers(strings.iter().map(|s| s.trim().parse().ok()).collect::<Option<_>>()?)
        }
        Op::Bool | Op::Null => {
            Values::Bools(strings.iter().map(|s| parse_bool(s)).collect::<Option<_>>()?)
        }
        Op::IpAddress => {
            Values::Cidrs(strings.iter().map(|s| Cidr::parse(s)).collect::<Option<_>>()?)
        }
    })
}

impl Condition {
    /// Does this test hold for the caller?
    pub(crate) fn holds(&self, ctx: &AuthContext) -> bool {
        if self.op == Op::Null {
            let present = variables::has_values(&self.key, ctx);
            let Values::Bools(wants) = &self.values else { return false };
            // `"Null": {"k": "true"}` holds when k is absent, `"false"` when it is present.
            return wants.iter().any(|&want_null| want_null != present);
        }
        let mut values = variables::values(&self.key, ctx).peekable();
        if values.peek().is_none() {
            return self.if_exists
                || match self.qualifier {
                    Qualifier::ForAllValues => true,
                    Qualifier::ForAnyValue => false,
                    // IAM: a missing key never matches, so a negated operator holds.
                    Qualifier::Single => self.negated,
                };
        }
        let test = |v: &str| self.matches_any(v, ctx) != self.negated;
        match self.qualifier {
            Qualifier::ForAllValues => values.all(test),
            Qualifier::ForAnyValue => values.any(test),
            // Negated: the value must match none of the listed ones, for every value.
            Qualifier::Single if self.negated => values.all(test),
            Qualifier::Single => values.any(test),
        }
    }

    /// Does one context value match any listed value (before negation)?
    fn matches_any(&self, value: &str, ctx: &AuthContext) -> bool {
        match &self.values {
            Values::Patterns(patterns) => {
                let fold = self.op == Op::StringEqualsIgnoreCase;
                patterns.iter().any(|p| p.matches(value, fold, ctx))
            }
            Values::Numbers(numbers) => {
                let Ok(v) = value.trim().parse::<f64>() else { return false };
                let Op::Numeric(cmp) = self.op else { return false };
                numbers.iter().any(|&n| match cmp {
                    NumCmp::Eq => v == n,
                    NumCmp::Lt => v < n,
                    NumCmp::Le => v <= n,
                    NumCmp::Gt => v > n,
                    NumCmp::Ge => v >= n,
                })
            }
            Values::Bools(bools) => parse_bool(value).is_some_and(|v| bools.contains(&v)),
            Values::Cidrs(cidrs) => {
                value.trim().parse::<IpAddr>().is_ok_and(|ip| cidrs.iter().any(|c| c.contains(ip)))
            }
        }
    }

    /// Reports the variable names this test needed but the context lacks.
    pub(crate) fn missing<'s>(&'s self, ctx: &AuthContext, report: &mut impl FnMut(&'s str)) {
        if self.op != Op::Null && !variables::has_values(&self.key, ctx) {
            report(&self.key_name);
        }
        if let Values::Patterns(patterns) = &self.values {
            for (var, text) in patterns.iter().flat_map(Pattern::variables) {
                if variables::substitute(var, ctx) == Lookup::Missing {
                    report(super::glob::Piece::var_name(text));
                }
            }
        }
    }
}

/// An IPv4 or IPv6 network in CIDR notation (a bare address is a /32 or /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    fn parse(s: &str) -> Option<Cidr> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (s.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Cidr { addr, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        // A v4 client seen through a dual-stack socket arrives as ::ffff:a.b.c.d.
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                prefix_eq(&net.octets(), &ip.octets(), self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                prefix_eq(&net.octets(), &ip.octets(), self.prefix)
            }
            _ => false,
        }
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let (full, rest) = ((bits / 8) as usize, bits % 8);
    if a[..full] != b[..full] {
        return false;
    }
    rest == 0 || {
        let mask = 0xffu8 << (8 - rest);
        a[full] & mask == b[full] & mask
    }
}

#[cfg(test)]
mod tests {
    use super::super::context::{CertificateContext, DistinguishedName, DnAttribute, ThingContext};
    use super::*;
    use serde_json::json;

    fn one(cond: Value) -> Condition {
        let mut c = parse_conditions(&cond).unwrap();
        assert_eq!(c.len(), 1);
        c.remove(0)
    }

    fn ctx() -> AuthContext {
        AuthContext {
            client_id: Some("dev-1".into()),
            source_ip: Some("10.1.2.3".into()),
            certificate: Some(CertificateContext {
                subject: DistinguishedName::default()
                    .with(DnAttribute::Organization, "Example Corp")
                    .with(DnAttribute::Organization, "AnyCompany"),
                ..CertificateContext::default()
            }),
            thing: Some(ThingContext {
                name: "dev-1".into(),
                is_attached: true,
                ..ThingContext::default()
            }),
            ..AuthContext::default()
        }
    }

    #[test]
    fn unknown_or_misused_operators_are_malformed() {
        assert!(parse_conditions(&json!({"StringFoo": {"iot:ClientId": "x"}})).is_err());
        assert!(
            parse_conditions(&json!({"ForSomeValues:StringEquals": {"iot:ClientId": "x"}}))
                .is_err()
        );
        assert!(parse_conditions(&json!({"NullIfExists": {"iot:ClientId": "true"}})).is_err());
        assert!(
            parse_conditions(&json!({"Bool": {"iot:Connection.Thing.IsAttached": "yes"}})).is_err()
        );
        assert!(parse_conditions(&json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/33"}})).is_err());
        assert!(parse_conditions(&json!({"StringEquals": {"iot:ClientId": []}})).is_err());
        assert!(parse_conditions(&json!({"StringEquals": {"iot:ClientId": {"a": 1}}})).is_err());
        assert!(parse_conditions(&json!({"StringEquals": "x"})).is_err());
        assert!(parse_conditions(&json!(["x"])).is_err());
    }

    #[test]
    fn string_operators() {
        let c = ctx();
        assert!(one(json!({"StringEquals": {"iot:ClientId": ["a", "dev-1"]}})).holds(&c));
        assert!(!one(json!({"StringEquals": {"iot:ClientId": "DEV-1"}})).holds(&c));
        assert!(one(json!({"StringEqualsIgnoreCase": {"iot:ClientId": "DEV-1"}})).holds(&c));
        assert!(!one(json!({"StringEquals": {"iot:ClientId": "dev-*"}})).holds(&c), "no globbing");
        assert!(one(json!({"StringLike": {"iot:ClientId": "dev-*"}})).holds(&c));
        assert!(!one(json!({"StringNotLike": {"iot:ClientId": ["x", "dev-?"]}})).holds(&c));
        assert!(one(json!({"StringNotEquals": {"iot:ClientId": ["x", "y"]}})).holds(&c));
        assert!(
            one(json!({"StringEquals": {"iot:ClientId": "${iot:Connection.Thing.ThingName}"}}))
                .holds(&c)
        );
        assert!(one(json!({"ArnLike": {"iot:ClientId": "dev*"}})).holds(&c));
    }

    #[test]
    fn missing_keys() {
        let c = AuthContext::default();
        assert!(!one(json!({"StringEquals": {"iot:ClientId": "x"}})).holds(&c));
        assert!(one(json!({"StringNotEquals": {"iot:ClientId": "x"}})).holds(&c));
        assert!(one(json!({"StringEqualsIfExists": {"iot:ClientId": "x"}})).holds(&c));
        assert!(one(json!({"Null": {"iot:ClientId": "true"}})).holds(&c));
        assert!(!one(json!({"Null": {"iot:ClientId": "false"}})).holds(&c));
        assert!(one(json!({"Null": {"iot:ClientId": false}})).holds(&ctx()));
        assert!(!one(json!({"Bool": {"iot:Connection.Thing.IsAttached": "true"}})).holds(&c));
    }

    #[test]
    fn set_qualifiers() {
        let c = ctx();
        let org = "iot:Certificate.Subject.Organization.List";
        assert!(
            one(json!({"ForAllValues:StringEquals": {org: ["Example Corp", "AnyCompany", "X"]}}))
                .holds(&c)
        );
        assert!(!one(json!({"ForAllValues:StringEquals": {org: ["Example Corp"]}})).holds(&c));
        assert!(one(json!({"ForAnyValue:StringEquals": {org: ["Example Corp"]}})).holds(&c));
        assert!(!one(json!({"ForAnyValue:StringEquals": {org: ["Nope"]}})).holds(&c));
        assert!(one(json!({"ForAllValues:StringNotEquals": {org: ["Nope"]}})).holds(&c));
        assert!(one(json!({"ForAnyValue:StringNotEquals": {org: ["Example Corp"]}})).holds(&c));
        assert!(!one(json!({"ForAllValues:StringNotEquals": {org: ["Example Corp"]}})).holds(&c));
        // No values at all: ForAllValues is vacuously true, ForAnyValue false.
        let empty = AuthContext::default();
        assert!(one(json!({"ForAllValues:StringEquals": {org: ["Example Corp"]}})).holds(&empty));
        assert!(!one(json!({"ForAnyValue:StringEquals": {org: ["Example Corp"]}})).holds(&empty));
        // A .List key without a qualifier matches when any value does.
        assert!(one(json!({"StringEquals": {org: "AnyCompany"}})).holds(&c));
        assert!(!one(json!({"StringNotEquals": {org: "AnyCompany"}})).holds(&c));
    }

    #[test]
    fn bool_numeric_and_ip() {
        let c = ctx();
        assert!(one(json!({"Bool": {"iot:Connection.Thing.IsAttached": ["true"]}})).holds(&c));
        assert!(one(json!({"Bool": {"iot:Connection.Thing.IsAttached": true}})).holds(&c));
        assert!(!one(json!({"Bool": {"iot:Connection.Thing.IsAttached": "false"}})).holds(&c));
        assert!(
            one(json!({"IpAddress": {"aws:SourceIp": ["192.168.0.0/16", "10.0.0.0/8"]}})).holds(&c)
        );
        assert!(one(json!({"IpAddress": {"aws:SourceIp": "10.1.2.3"}})).holds(&c));
        assert!(!one(json!({"IpAddress": {"aws:SourceIp": "10.1.2.0/31"}})).holds(&c));
        assert!(one(json!({"NotIpAddress": {"aws:SourceIp": "192.168.0.0/16"}})).holds(&c));
        let v6 = AuthContext { source_ip: Some("2001:db8::1".into()), ..AuthContext::default() };
        assert!(one(json!({"IpAddress": {"aws:SourceIp": "2001:db8::/32"}})).holds(&v6));
        assert!(!one(json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})).holds(&v6));
        let mapped =
            AuthContext { source_ip: Some("::ffff:10.0.0.1".into()), ..AuthContext::default() };
        assert!(one(json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})).holds(&mapped));
        let n = AuthContext { client_id: Some("42".into()), ..AuthContext::default() };
        assert!(one(json!({"NumericLessThan": {"iot:ClientId": 43}})).holds(&n));
        assert!(one(json!({"NumericGreaterThanEquals": {"iot:ClientId": "42"}})).holds(&n));
        assert!(!one(json!({"NumericNotEquals": {"iot:ClientId": 42}})).holds(&n));
    }

    #[test]
    fn reports_missing_keys_and_value_variables() {
        let mut seen = Vec::new();
        let cond =
            one(json!({"StringEquals": {"iot:Connection.Thing.ThingName": "${iot:ClientId}"}}));
        cond.missing(&AuthContext::default(), &mut |n| seen.push(n.to_owned()));
        assert_eq!(seen, ["iot:Connection.Thing.ThingName", "iot:ClientId"]);
        seen.clear();
        one(json!({"Null": {"iot:ClientId": "true"}}))
            .missing(&AuthContext::default(), &mut |n| seen.push(n.to_owned()));
        assert!(seen.is_empty());
    }
}

//! The IoT SQL function table (guide "Functions", 68 entries) and the argument
//! conversions they share. Wrong argument counts or types give Undefined.

mod context;
mod hash;
mod math;
mod strings;
pub mod time;

use super::SqlVersion;
use super::decimal::RoundMode;
use super::error::EvalError;
use super::eval::{Ctx, EResult};
use super::value::Value;

/// One function: its canonical name, the first SQL version that has it, and
/// its body over already evaluated arguments.
pub struct FuncDef {
    pub name: &'static str,
    pub since: SqlVersion,
    /// Needs the outside world through `SqlEnvironment` (not allowed in error
    /// actions, guide L6997).
    pub external: bool,
    /// A `*` argument means the raw payload bytes rather than parsed JSON.
    pub raw_star: bool,
    pub eval: fn(&[Value], &Ctx<'_>) -> EResult,
}

impl std::fmt::Debug for FuncDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}()", self.name)
    }
}

const V15: SqlVersion = SqlVersion::V2015_10_08;
const V16: SqlVersion = SqlVersion::V2016_03_23;

const fn f(
    name: &'static str,
    since: SqlVersion,
    eval: fn(&[Value], &Ctx<'_>) -> EResult,
) -> FuncDef {
    FuncDef { name, since, external: false, raw_star: false, eval }
}

const fn ext(
    name: &'static str,
    since: SqlVersion,
    eval: fn(&[Value], &Ctx<'_>) -> EResult,
) -> FuncDef {
    FuncDef { name, since, external: true, raw_star: false, eval }
}

/// Every function, sorted by name for the binary search in [`lookup`].
static FUNCTIONS: &[FuncDef] = &[
    f("abs", V15, math::abs),
    f("accountid", V15, context::accountid),
    f("acos", V15, math::acos),
    f("asin", V15, math::asin),
    f("atan", V15, math::atan),
    f("atan2", V15, math::atan2),
    ext("aws_lambda", V15, context::aws_lambda),
    f("bitand", V15, math::bitand),
    f("bitnot", V15, math::bitnot),
    f("bitor", V15, math::bitor),
    f("bitxor", V15, math::bitxor),
    f("ceil", V15, math::ceil),
    f("chr", V15, strings::chr),
    f("clientid", V15, context::clientid),
    f("concat", V15, strings::concat),
    f("cos", V15, math::cos),
    f("cosh", V15, math::cosh),
    FuncDef { name: "encode", since: V16, external: false, raw_star: true, eval: strings::encode },
    f("endswith", V15, strings::endswith),
    f("exp", V15, math::exp),
    // Not in the guide's list but used by its isUndefined example (DEFECT D21).
    f("floor", V15, math::floor),
    f("get", V15, strings::get),
    ext("get_thing_shadow", V16, context::get_thing_shadow),
    f("indexof", V15, strings::indexof),
    f("isnull", V15, context::is_null),
    f("isundefined", V15, context::is_undefined),
    f("length", V15, strings::length),
    f("ln", V15, math::ln),
    f("log", V15, math::log),
    f("lower", V15, strings::lower),
    f("lpad", V15, strings::lpad),
    f("ltrim", V15, strings::ltrim),
    ext("machinelearning_predict", V15, context::machinelearning_predict),
    f("md2", V15, hash::md2),
    f("md5", V15, hash::md5),
    f("mod", V15, math::modulo),
    f("nanvl", V15, context::nanvl),
    f("newuuid", V15, context::newuuid),
    f("numbytes", V15, strings::numbytes),
    f("parse_time", V16, time::parse_time),
    f("power", V15, math::power),
    f("principal", V15, context::principal),
    f("rand", V15, context::rand),
    f("regexp_matches", V15, strings::regexp_matches),
    f("regexp_replace", V15, strings::regexp_replace),
    f("regexp_substr", V15, strings::regexp_substr),
    // Not in the guide's list but used by its error-action example (DEFECT D15).
    f("replace", V15, strings::replace),
    f("round", V15, math::round),
    f("rpad", V15, strings::rpad),
    f("rtrim", V15, strings::rtrim),
    f("sha1", V15, hash::sha1),
    f("sha224", V15, hash::sha224),
    f("sha256", V15, hash::sha256),
    f("sha384", V15, hash::sha384),
    f("sha512", V15, hash::sha512),
    f("sign", V15, math::sign),
    f("sin", V15, math::sin),
    f("sinh", V15, math::sinh),
    f("sqrt", V15, math::sqrt),
    f("startswith", V15, strings::startswith),
    f("substring", V15, strings::substring),
    f("tan", V15, math::tan),
    f("tanh", V15, math::tanh),
    f("timestamp", V15, context::timestamp),
    f("topic", V15, context::topic),
    f("traceid", V15, context::traceid),
    f("trim", V15, strings::trim),
    f("trunc", V15, math::trunc),
    f("upper", V15, strings::upper),
];

/// The function named `lower_name` (already lower-cased).
pub fn lookup(lower_name: &str) -> Option<&'static FuncDef> {
    FUNCTIONS.binary_search_by(|d| d.name.cmp(lower_name)).ok().map(|i| &FUNCTIONS[i])
}

/// All function names, for documentation and tests.
pub fn names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.iter().map(|d| d.name)
}

// ---- shared argument handling -----------------------------------------------

/// The arguments when there are exactly `N` of them.
fn args<const N: usize>(a: &[Value]) -> Option<&[Value; N]> {
    a.try_into().ok()
}

fn undefined() -> EResult {
    Ok(Value::Undefined)
}

fn string(s: impl Into<String>) -> EResult {
    Ok(Value::String(s.into()))
}

/// An index or count argument rounded down, saturating instead of failing
/// for huge magnitudes (`substring(false, -2.411E247) = "false"`).
fn floor_index(v: &Value) -> Option<i128> {
    if let Some(i) = v.to_int_floor() {
        return Some(i);
    }
    let d = v.to_decimal()?;
    Some(if d.signum() < 0 { i128::MIN / 2 } else { i128::MAX / 2 })
}

/// An Int argument with the guide's "Decimal rounded to nearest" rule.
fn nearest_index(v: &Value) -> Option<i128> {
    match v {
        Value::Decimal(d) => d.to_int(RoundMode::HalfUp).or_else(|| floor_index(v)),
        other => floor_index(other),
    }
}

fn external(function: &'static str, message: String) -> EvalError {
    EvalError::External { function, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_complete() {
        let names: Vec<_> = names().collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted, "FUNCTIONS must stay sorted for lookup");
        // The guide's 68 entries: 67 functions here plus cast (parsed as
        // syntax); floor and replace are the two undocumented extras.
        assert_eq!(names.len(), 67 + 2);
        for n in ["abs", "upper", "isnull", "parse_time", "sha224"] {
            assert!(lookup(n).is_some(), "{n}");
        }
        assert!(lookup("nope").is_none());
    }
}

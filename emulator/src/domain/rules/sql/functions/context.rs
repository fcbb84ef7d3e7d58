//! Functions about the message and its context (topic, client, time, ids),
//! the Null/Undefined tests, and the external calls that go through
//! `SqlEnvironment`.

use super::super::eval::{Ctx, EResult};
use super::super::value::{Object, Value};
use super::{args, external, string, undefined};

pub fn accountid(a: &[Value], ctx: &Ctx<'_>) -> EResult {
    if !a.is_empty() {
        return undefined();
    }
    string(ctx.input.account)
}

/// The MQTT client id, or `n/a` when the message did not come over MQTT.
pub fn clientid(a: &[Value], ctx: &Ctx<'_>) -> EResult {
    if !a.is_empty() {
        return undefined();
    }
    string(ctx.input.client_id.unwrap_or("n/a"))
}

pub fn principal(a: &[Value], ctx: &Ctx<'_>) -> EResult {
    if !a.is_empty() {
        return undefined();
    }
    Ok(ctx.input.principal.map_or(Value::Undefined, Value::str))
}

/// The trace id of an MQTT message; Undefined otherwise.
pub fn traceid(a: &[Value], ctx: &Ctx<'_>) -> EResult {
    if !a.is_empty() {
        return undefined();
    }
    Ok(ctx.input.trace_id.map_or(Value::Undefined, Value::str))
}

/// Milliseconds since the epoch as the rules engine saw the message (the same
/// value for every expression and template of one message).
pub fn timestamp(a: &[Value], ctx: &Ctx<'_>) -> EResult {
    if !a.is_empty() {
        return undefined();
    }
    Ok(Value::Int(i128::from(ctx.input.timestamp_ms)))
}

pub fn newuuid(a: &[Value], ctx: &Ctx<'_>) -> EResult {
    if !a.is_empty() {
        return undefined();
    }
    string(ctx.env.new_uuid())
}

pub fn rand(a: &[Value], ctx: &Ctx<'_>) -> EResult {
    if !a.is_empty() {
        return undefined();
    }
    Ok(Value::from_f64(ctx.env.rand()))
}

/// `topic()` is the whole topic, `topic(n)` its 1-based level `n`.
pub fn topic(a: &[Value], ctx: &Ctx<'_>) -> EResult {
    match a {
        [] => string(ctx.input.topic),
        [n] => {
            let Some(n) = n.to_int() else { return undefined() };
            let level = usize::try_from(n)
                .ok()
                .filter(|n| *n >= 1)
                .and_then(|n| ctx.input.topic.split('/').nth(n - 1));
            Ok(level.map_or(Value::Undefined, Value::str))
        }
        _ => undefined(),
    }
}

pub fn is_null(a: &[Value], _: &Ctx<'_>) -> EResult {
    let Some([x]) = args::<1>(a) else { return undefined() };
    Ok(Value::Bool(matches!(x, Value::Null)))
}

pub fn is_undefined(a: &[Value], _: &Ctx<'_>) -> EResult {
    let Some([x]) = args::<1>(a) else { return undefined() };
    Ok(Value::Bool(x.is_undefined()))
}

/// The second argument when the first is Undefined or Null (a Decimal is
/// never NaN here: non-finite results are already Undefined).
pub fn nanvl(a: &[Value], _: &Ctx<'_>) -> EResult {
    let Some([x, y]) = args::<2>(a) else { return undefined() };
    Ok(match x {
        Value::Undefined | Value::Null => y.clone(),
        other => other.clone(),
    })
}

/// `aws_lambda(functionArn, inputJson)`: the function's JSON answer; a failed
/// invocation fails the rule.
pub fn aws_lambda(a: &[Value], ctx: &Ctx<'_>) -> EResult {
    let Some([arn, input]) = args::<2>(a) else { return undefined() };
    let Some(arn) = arn.to_sql_string() else { return undefined() };
    let event = input.to_json().unwrap_or(serde_json::Value::Null);
    match ctx.env.aws_lambda(&arn, &event) {
        Ok(out) => Ok(Value::from_json(&out)),
        Err(message) => Err(external("aws_lambda", message)),
    }
}

/// `get_thing_shadow(thingName, roleArn)`: the shadow document, Undefined
/// when there is none.
pub fn get_thing_shadow(a: &[Value], ctx: &Ctx<'_>) -> EResult {
    let Some([thing, role]) = args::<2>(a) else { return undefined() };
    let (Some(thing), Some(role)) = (thing.to_sql_string(), role.to_sql_string()) else {
        return undefined();
    };
    Ok(ctx
        .env
        .get_thing_shadow(&thing, &role)
        .map_or(Value::Undefined, |doc| Value::from_json(&doc)))
}

/// `machinelearning_predict(modelId, roleArn, record)`: the record is
/// flattened to one level by serialising nested values (guide L8688-8700).
pub fn machinelearning_predict(a: &[Value], ctx: &Ctx<'_>) -> EResult {
    let Some([model, role, record]) = args::<3>(a) else { return undefined() };
    let (Some(model), Some(role)) = (model.to_sql_string(), role.to_sql_string()) else {
        return undefined();
    };
    let Value::Object(record) = record else { return undefined() };
    let flat: Object = record
        .iter()
        .map(|(k, v)| {
            let v = match v {
                Value::Object(_) | Value::Array(_) => {
                    v.to_sql_string().map_or(Value::Undefined, Value::String)
                }
                other => other.clone(),
            };
            (k.clone(), v)
        })
        .collect();
    let record = Value::Object(flat).to_json().unwrap_or(serde_json::Value::Null);
    Ok(ctx
        .env
        .machinelearning_predict(&model, &role, &record)
        .map_or(Value::Undefined, |p| Value::from_json(&p)))
}

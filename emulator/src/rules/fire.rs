//! One message through the rules: which rules it triggers, the SQL of each, its
//! actions into the sinks, and the error action with every failure of the firing.

use serde_json::Value;

use super::effects::{ActionEffects, Env};
use super::{LoadedRule, RuleSet};
use crate::app::App;
use crate::broker::hooks::Message;
use crate::domain::rules::compiled::{basic_ingest, filter_matches};
use crate::domain::rules::error_action::{ActionFailed, ErrorActionMessage};
use crate::domain::rules::sql::{MessageInput, ParsedPayload, RuleOutput};
use crate::sinks::{self, Invocation, Origin};

/// Every rule the message triggers, run in name order.
pub fn dispatch(app: &App, set: &RuleSet, message: &Message) {
    let rules = set.rules(&message.scope);
    if rules.is_empty() {
        return;
    }
    let (topic, matching): (&str, Vec<&LoadedRule>) = match basic_ingest(&message.topic) {
        Some((name, topic)) => {
            (topic, rules.iter().filter(|r| r.rule.name == name).map(|r| &**r).collect())
        }
        None => (
            &message.topic,
            rules
                .iter()
                .filter(|r| filter_matches(&r.rule.topic_pattern, &message.topic))
                .map(|r| &**r)
                .collect(),
        ),
    };
    if matching.is_empty() {
        return;
    }
    // One parse of the payload serves every rule and every template.
    let parsed = ParsedPayload::parse(&message.payload);
    for rule in matching {
        fire(app, rule, message, topic, &parsed);
    }
}

/// `S3Action` for `s3`; today's actions the emulator does not model get their key
/// capitalised (`iotEvents` → `IotEventsAction`).
fn failed_action_name(key: &str) -> String {
    let kind = sinks::kind(key);
    if !kind.key.is_empty() {
        return kind.failed_action.to_owned();
    }
    let mut c = key.chars();
    match c.next() {
        Some(first) => format!("{}{}Action", first.to_uppercase(), c.as_str()),
        None => "Action".to_owned(),
    }
}

/// Runs one action: an injected failure, or the kind's delivery recorded in its sink.
fn run_action(
    app: &App,
    key: &str,
    params: &Value,
    inv: &Invocation<'_>,
    origin: Origin<'_>,
) -> Result<(), ActionFailed> {
    let kind = sinks::kind(key);
    let failed = |message: String| {
        let raw = sinks::resource_of(kind, params);
        ActionFailed {
            failed_action: failed_action_name(key),
            failed_resource: inv.render(&raw).unwrap_or(raw),
            error_message: message,
        }
    };
    if let Some(message) = app.sinks.take_failure(key, origin.rule_name) {
        return Err(failed(format!("{}. The error received was {message}", kind.failure_prefix)));
    }
    match (kind.deliver)(params, inv) {
        Ok(delivery) => {
            app.sinks.record(key, origin, delivery.record);
            tracing::info!(
                rule = origin.rule_name,
                action = key,
                resource = %delivery.resource,
                error_action = origin.error_action,
                "rule action delivered"
            );
            Ok(())
        }
        Err(f) => {
            tracing::info!(rule = origin.rule_name, action = key, error = %f.message, "rule action failed");
            Err(failed(f.message))
        }
    }
}

fn fire(app: &App, loaded: &LoadedRule, message: &Message, topic: &str, parsed: &ParsedPayload) {
    let rule = &loaded.rule;
    let scope = &message.scope;
    let input = MessageInput {
        topic,
        payload: &message.payload,
        client_id: message.origin.client_id.as_deref(),
        principal: message.origin.principal.as_deref(),
        timestamp_ms: message.timestamp,
        account: &scope.account,
        region: &scope.region,
        trace_id: None,
    };
    let env = Env { app, scope, rule_name: &rule.name, external: true };
    let output = match loaded.compiled.statement.evaluate_parsed(parsed, &input, &env) {
        Ok(Some(output)) => output,
        Ok(None) => return,
        Err(e) => {
            tracing::info!(rule = %rule.name, topic, error = %e, "rule SQL failed");
            return;
        }
    };
    let bytes = output.to_bytes();
    let json = match &output {
        RuleOutput::Json(v) => Some(v),
        RuleOutput::Binary(_) => None,
    };
    let effects =
        ActionEffects { app, scope, compiled: &loaded.compiled, input: &input, parsed, env: &env };
    let inv = Invocation {
        rule_name: &rule.name,
        scope,
        topic,
        client_id: input.client_id,
        payload: &bytes,
        json,
        effects: &effects,
    };
    let origin = Origin {
        rule_name: &rule.name,
        scope,
        timestamp: app.clock.now_millis(),
        error_action: false,
    };
    // No retries (guide L7035): each action runs once; failures are gathered.
    let failures: Vec<ActionFailed> = loaded
        .compiled
        .actions
        .iter()
        .filter_map(|(key, params)| run_action(app, key, params, &inv, origin).err())
        .collect();
    if failures.is_empty() {
        return;
    }
    let Some((key, params)) = &loaded.compiled.error_action else { return };
    let report = ErrorActionMessage::new(
        &rule.name,
        topic,
        app.ids.uuid(),
        message.origin.client_id.as_deref(),
        &message.payload,
        failures,
    )
    .to_json();
    let report_bytes = report.to_string().into_bytes();
    let error_env = Env { app, scope, rule_name: &rule.name, external: false };
    let error_effects = ActionEffects {
        app,
        scope,
        compiled: &loaded.compiled,
        input: &input,
        parsed,
        env: &error_env,
    };
    let error_inv =
        Invocation { payload: &report_bytes, json: Some(&report), effects: &error_effects, ..inv };
    if let Err(f) =
        run_action(app, key, params, &error_inv, Origin { error_action: true, ..origin })
    {
        tracing::warn!(rule = %rule.name, action = %key, error = %f.error_message, "the error action failed too");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_action_names_follow_the_guide() {
        assert_eq!(failed_action_name("s3"), "S3Action");
        assert_eq!(failed_action_name("dynamoDB"), "DynamoAction");
        assert_eq!(failed_action_name("iotEvents"), "IotEventsAction");
    }
}

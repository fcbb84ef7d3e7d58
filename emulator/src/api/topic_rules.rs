//! Topic rules: CreateTopicRule, ReplaceTopicRule, GetTopicRule, ListTopicRules,
//! DeleteTopicRule, EnableTopicRule, DisableTopicRule. Every change reloads the
//! rules engine before the call returns, so the next publish sees it.

use super::edge::parse_query;
use super::generated::iot::{
    Action, CreateTopicRuleInput, CreateTopicRuleOutput, DeleteTopicRuleInput,
    DeleteTopicRuleOutput, DisableTopicRuleInput, DisableTopicRuleOutput, EnableTopicRuleInput,
    EnableTopicRuleOutput, ErrorCode, GetTopicRuleInput, GetTopicRuleOutput, ListTopicRulesInput,
    ListTopicRulesOutput, ReplaceTopicRuleInput, ReplaceTopicRuleOutput, TopicRule as WireRule,
    TopicRuleListItem, TopicRulePayload,
};
use super::paging::{decode_token, encode_token, page_size};
use super::wire::{ApiError, RequestContext, Timestamp};
use crate::app::App;
use crate::domain::rules::compiled::check_rule;
use crate::domain::rules::topic_rules::{RuleError, RulePayload, RuleQuery, TopicRule, TopicRules};
use crate::domain::tags;
use crate::store::SqliteStore;

pub fn rule_error(e: RuleError) -> ApiError {
    match e {
        RuleError::Invalid(m) => ApiError::new(ErrorCode::InvalidRequestException, m),
        RuleError::SqlParse(m) => ApiError::new(ErrorCode::SqlParseException, m),
        RuleError::AlreadyExists(m) => ApiError::new(ErrorCode::ResourceAlreadyExistsException, m),
        RuleError::NotFound(m) => ApiError::new(ErrorCode::UnauthorizedException, m),
        RuleError::Store(e) => ApiError::internal(e),
    }
}

fn rules(app: &App) -> TopicRules<'_, SqliteStore> {
    TopicRules { store: &app.store, clock: app.clock.as_ref() }
}

fn to_json(action: &Action) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(action).map_err(ApiError::internal)
}

/// The wire payload as the domain keeps it, after the SQL, its version and the
/// actions' templates are checked.
fn payload(p: TopicRulePayload) -> Result<RulePayload, ApiError> {
    let actions = p.actions.iter().map(to_json).collect::<Result<Vec<_>, _>>()?;
    let error_action = p.error_action.as_ref().map(to_json).transpose()?;
    let topic_pattern =
        check_rule(&p.sql, p.aws_iot_sql_version.as_deref(), &actions, error_action.as_ref())
            .map_err(rule_error)?;
    Ok(RulePayload {
        sql: p.sql,
        description: p.description,
        sql_version: p.aws_iot_sql_version,
        actions,
        error_action,
        disabled: p.rule_disabled.unwrap_or(false),
        topic_pattern,
    })
}

fn reload(app: &App) {
    app.rules.reload(app);
}

pub fn create_topic_rule(
    app: &App,
    ctx: &RequestContext,
    input: CreateTopicRuleInput,
) -> Result<CreateTopicRuleOutput, ApiError> {
    let payload = payload(input.topic_rule_payload)?;
    // `x-amz-tagging` carries the tags as a query string: `k1=v1&k2=v2`.
    let tag_map: std::collections::BTreeMap<String, String> =
        parse_query(input.tags.as_deref()).into_iter().collect();
    rules(app)
        .create(&ctx.scope, &input.rule_name, payload, |tx, rule| {
            if tag_map.is_empty() {
                return Ok(());
            }
            tags::add_tags(tx, &ctx.scope, &rule.arn(&ctx.scope), &tag_map).map_err(|e| match e {
                crate::domain::registry::RegistryError::Store(s) => RuleError::Store(s),
                other => RuleError::Invalid(other.to_string()),
            })
        })
        .map_err(rule_error)?;
    reload(app);
    Ok(CreateTopicRuleOutput {})
}

pub fn replace_topic_rule(
    app: &App,
    ctx: &RequestContext,
    input: ReplaceTopicRuleInput,
) -> Result<ReplaceTopicRuleOutput, ApiError> {
    let payload = payload(input.topic_rule_payload)?;
    rules(app).replace(&ctx.scope, &input.rule_name, payload).map_err(rule_error)?;
    reload(app);
    Ok(ReplaceTopicRuleOutput {})
}

fn from_json(v: &serde_json::Value) -> Result<Action, ApiError> {
    serde_json::from_value(v.clone()).map_err(ApiError::internal)
}

fn wire_rule(rule: TopicRule) -> Result<WireRule, ApiError> {
    Ok(WireRule {
        actions: Some(rule.actions.iter().map(from_json).collect::<Result<_, _>>()?),
        aws_iot_sql_version: rule.sql_version,
        created_at: Some(Timestamp(rule.created_at)),
        description: rule.description,
        error_action: rule.error_action.as_ref().map(from_json).transpose()?,
        rule_disabled: Some(rule.disabled),
        rule_name: Some(rule.name),
        sql: Some(rule.sql),
    })
}

pub fn get_topic_rule(
    app: &App,
    ctx: &RequestContext,
    input: GetTopicRuleInput,
) -> Result<GetTopicRuleOutput, ApiError> {
    let rule = rules(app).get(&ctx.scope, &input.rule_name).map_err(rule_error)?;
    Ok(GetTopicRuleOutput { rule_arn: Some(rule.arn(&ctx.scope)), rule: Some(wire_rule(rule)?) })
}

pub fn list_topic_rules(
    app: &App,
    ctx: &RequestContext,
    input: ListTopicRulesInput,
) -> Result<ListTopicRulesOutput, ApiError> {
    let query = RuleQuery {
        topic: input.topic,
        disabled: input.rule_disabled,
        after: input.next_token.as_deref().map(decode_token).transpose()?,
        limit: page_size(input.max_results),
    };
    let page = rules(app).list(&ctx.scope, &query).map_err(rule_error)?;
    Ok(ListTopicRulesOutput {
        rules: Some(
            page.rules
                .into_iter()
                .map(|r| TopicRuleListItem {
                    created_at: Some(Timestamp(r.created_at)),
                    rule_arn: Some(r.arn(&ctx.scope)),
                    rule_disabled: Some(r.disabled),
                    rule_name: Some(r.name),
                    topic_pattern: Some(r.topic_pattern),
                })
                .collect(),
        ),
        next_token: page.next_after.as_deref().map(encode_token),
    })
}

pub fn delete_topic_rule(
    app: &App,
    ctx: &RequestContext,
    input: DeleteTopicRuleInput,
) -> Result<DeleteTopicRuleOutput, ApiError> {
    rules(app)
        .delete(&ctx.scope, &input.rule_name, |tx, rule| {
            tx.drop_tags(&ctx.scope, &rule.arn(&ctx.scope)).map_err(RuleError::Store)
        })
        .map_err(rule_error)?;
    reload(app);
    Ok(DeleteTopicRuleOutput {})
}

pub fn enable_topic_rule(
    app: &App,
    ctx: &RequestContext,
    input: EnableTopicRuleInput,
) -> Result<EnableTopicRuleOutput, ApiError> {
    rules(app).set_disabled(&ctx.scope, &input.rule_name, false).map_err(rule_error)?;
    reload(app);
    Ok(EnableTopicRuleOutput {})
}

pub fn disable_topic_rule(
    app: &App,
    ctx: &RequestContext,
    input: DisableTopicRuleInput,
) -> Result<DisableTopicRuleOutput, ApiError> {
    rules(app).set_disabled(&ctx.scope, &input.rule_name, true).map_err(rule_error)?;
    reload(app);
    Ok(DisableTopicRuleOutput {})
}

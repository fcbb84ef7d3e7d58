//! Event configurations (DescribeEventConfigurations, UpdateEventConfigurations)
//! and the publication of registry events for the event types an account enabled.

use std::collections::BTreeMap;

use bytes::Bytes;

use super::generated::iot::{
    Configuration, DescribeEventConfigurationsInput, DescribeEventConfigurationsOutput,
    UpdateEventConfigurationsInput, UpdateEventConfigurationsOutput,
};
use super::wire::{ApiError, RequestContext, Timestamp};
use crate::app::App;
use crate::broker::hooks::{Message, MessageProperties, Origin};
use crate::domain::events::{EVENT_TYPES, EventSetting, RegistryEvent};
use crate::domain::{Scope, Store, StoreError};

pub fn describe_event_configurations(
    app: &App,
    ctx: &RequestContext,
    _input: DescribeEventConfigurationsInput,
) -> Result<DescribeEventConfigurationsOutput, ApiError> {
    let settings =
        app.store.read(|tx| tx.event_settings(&ctx.scope)).map_err(ApiError::internal)?;
    let configurations: BTreeMap<String, Configuration> = EVENT_TYPES
        .iter()
        .map(|t| {
            let enabled = settings.get(*t).is_some_and(|s| s.enabled);
            (t.to_string(), Configuration { enabled: Some(enabled) })
        })
        .collect();
    Ok(DescribeEventConfigurationsOutput {
        event_configurations: Some(configurations),
        creation_date: settings.values().map(|s| s.created_at).min().map(Timestamp),
        last_modified_date: settings.values().map(|s| s.modified_at).max().map(Timestamp),
    })
}

pub fn update_event_configurations(
    app: &App,
    ctx: &RequestContext,
    input: UpdateEventConfigurationsInput,
) -> Result<UpdateEventConfigurationsOutput, ApiError> {
    let now = app.clock.now_millis();
    let changes = input.event_configurations.unwrap_or_default();
    app.store
        .write(|tx| {
            let current = tx.event_settings(&ctx.scope)?;
            for (event_type, config) in &changes {
                let Some(enabled) = config.enabled else { continue };
                let created_at = current.get(event_type).map_or(now, |s| s.created_at);
                tx.put_event_setting(
                    &ctx.scope,
                    event_type,
                    EventSetting { enabled, created_at, modified_at: now },
                )?;
            }
            Ok::<_, StoreError>(())
        })
        .map_err(ApiError::internal)?;
    Ok(UpdateEventConfigurationsOutput {})
}

/// Publishes a registry event if its type is enabled for the account.
pub fn emit(app: &App, scope: &Scope, event: RegistryEvent) {
    let enabled = match app.store.read(|tx| tx.event_settings(scope)) {
        Ok(settings) => settings.get(event.event_type).is_some_and(|s| s.enabled),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read event configurations");
            false
        }
    };
    if !enabled {
        return;
    }
    app.publish(Message {
        scope: scope.clone(),
        topic: event.topic,
        payload: Bytes::from(event.payload.to_string()),
        qos: 1,
        retain: false,
        properties: MessageProperties::default(),
        origin: Origin::default(),
        timestamp: app.clock.now_millis(),
    });
}

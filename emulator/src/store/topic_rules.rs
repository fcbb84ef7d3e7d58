//! Topic rules in SQLite (actions kept as the JSON the caller gave).

use rusqlite::{OptionalExtension, params};

use super::{SqlTx, conversion, store_err};
use crate::domain::rules::topic_rules::{TopicRule, TopicRuleRecords};
use crate::domain::{Scope, StoreError};

const COLUMNS: &str = "name, sql, description, sql_version, actions, error_action, disabled, \
                       created_at, topic_pattern, account, region";

fn rule_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Scope, TopicRule)> {
    let actions: String = r.get(4)?;
    let error_action: Option<String> = r.get(5)?;
    let rule = TopicRule {
        name: r.get(0)?,
        sql: r.get(1)?,
        description: r.get(2)?,
        sql_version: r.get(3)?,
        actions: serde_json::from_str(&actions).map_err(|e| conversion(4, e))?,
        error_action: error_action
            .map(|a| serde_json::from_str(&a))
            .transpose()
            .map_err(|e| conversion(5, e))?,
        disabled: r.get(6)?,
        created_at: r.get(7)?,
        topic_pattern: r.get(8)?,
    };
    Ok((Scope::new(r.get::<_, String>(9)?, r.get::<_, String>(10)?), rule))
}

impl TopicRuleRecords for SqlTx<'_> {
    fn topic_rule(&self, scope: &Scope, name: &str) -> Result<Option<TopicRule>, StoreError> {
        self.0
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM topic_rules WHERE account = ?1 AND region = ?2 AND name = ?3"
            ))
            .map_err(store_err)?
            .query_row(params![scope.account, scope.region, name], rule_row)
            .optional()
            .map(|r| r.map(|(_, rule)| rule))
            .map_err(store_err)
    }

    fn put_topic_rule(&self, scope: &Scope, rule: &TopicRule) -> Result<(), StoreError> {
        let actions = serde_json::to_string(&rule.actions).map_err(store_err)?;
        let error_action = rule.error_action.as_ref().map(|a| a.to_string());
        self.0
            .prepare_cached(
                "INSERT OR REPLACE INTO topic_rules (account, region, name, sql, description, \
                 sql_version, actions, error_action, disabled, created_at, topic_pattern) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .map_err(store_err)?
            .execute(params![
                scope.account,
                scope.region,
                rule.name,
                rule.sql,
                rule.description,
                rule.sql_version,
                actions,
                error_action,
                rule.disabled,
                rule.created_at,
                rule.topic_pattern
            ])
            .map(drop)
            .map_err(store_err)
    }

    fn delete_topic_rule(&self, scope: &Scope, name: &str) -> Result<(), StoreError> {
        self.0
            .prepare_cached(
                "DELETE FROM topic_rules WHERE account = ?1 AND region = ?2 AND name = ?3",
            )
            .map_err(store_err)?
            .execute(params![scope.account, scope.region, name])
            .map(drop)
            .map_err(store_err)
    }

    fn topic_rules(&self, scope: &Scope) -> Result<Vec<TopicRule>, StoreError> {
        let mut stmt = self
            .0
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM topic_rules WHERE account = ?1 AND region = ?2 ORDER BY name"
            ))
            .map_err(store_err)?;
        let rows =
            stmt.query_map(params![scope.account, scope.region], rule_row).map_err(store_err)?;
        rows.map(|r| r.map(|(_, rule)| rule)).collect::<Result<_, _>>().map_err(store_err)
    }

    fn all_topic_rules(&self) -> Result<Vec<(Scope, TopicRule)>, StoreError> {
        let mut stmt = self
            .0
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM topic_rules ORDER BY account, region, name"
            ))
            .map_err(store_err)?;
        let rows = stmt.query_map([], rule_row).map_err(store_err)?;
        rows.collect::<Result<_, _>>().map_err(store_err)
    }
}

//! The rules engine: the IoT SQL dialect, rule management, compiled rules and the
//! error action's message.

pub mod compiled;
pub mod error_action;
pub mod sql;
pub mod topic_rules;

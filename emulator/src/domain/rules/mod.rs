//! The rules engine's pure logic: rule management, actions, the error action.

pub mod compiled;
pub mod error_action;
pub mod topic_rules;

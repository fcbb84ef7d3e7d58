//! The rules engine.

pub mod sql;

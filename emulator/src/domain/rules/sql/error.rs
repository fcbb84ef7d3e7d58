//! Parse and evaluation errors of IoT SQL and substitution templates.

use std::fmt;

/// A 1-based line and column in the SQL text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// Why a rule's SQL (or a template) was refused. `Display` is the message that
/// CreateTopicRule answers in its `SqlParseException`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlParseError {
    pub pos: Pos,
    pub message: String,
}

impl SqlParseError {
    pub fn at(pos: Pos, message: String) -> SqlParseError {
        SqlParseError { pos, message }
    }
}

impl fmt::Display for SqlParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}:{}: {}", self.pos.line, self.pos.column, self.message)
    }
}

impl std::error::Error for SqlParseError {}

/// Why a message could not be evaluated at all (as opposed to a WHERE that is
/// not true, or values that are Undefined).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// The payload is not JSON but the statement refers to JSON names or mixes
    /// `*` with other items (guide "Working with Binary Payloads"); AWS counts
    /// this as a `ParseError`.
    #[error("payload is not valid JSON and the rule refers to JSON names")]
    PayloadNotJson,
    /// An external function (`aws_lambda`) failed.
    #[error("{function} failed: {message}")]
    External { function: &'static str, message: String },
}

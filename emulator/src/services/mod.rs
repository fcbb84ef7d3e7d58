//! Services that act on accepted messages: each looks at what the broker accepted
//! and answers by publishing back through it.

pub mod shadows;

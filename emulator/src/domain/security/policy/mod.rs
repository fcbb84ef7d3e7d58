//! AWS IoT policies: document grammar and the evaluation engine.

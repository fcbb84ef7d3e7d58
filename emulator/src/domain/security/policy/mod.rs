//! AWS IoT policies: document grammar and the evaluation engine.
//!
//! Pure domain logic (no HTTP, SQL or MQTT types), built to run on every MQTT connect,
//! publish, subscribe and delivery: documents are compiled once, evaluation never allocates
//! on the broker's path ([`decide`]). The pieces:
//!
//! * `document.rs`: [`PolicyDocument::parse`] validates the grammar (Version "2012-10-17",
//!   Statement, Effect/Action/Resource/Condition/Sid, 1..=2048 non-whitespace characters) and
//!   keeps the original text; a refusal is a [`MalformedPolicy`] (`MalformedPolicyException`).
//! * `glob.rs`: IAM globbing, `*` and `?`, with MQTT `+`/`#` as plain characters; actions
//!   match case-insensitively, resources case-sensitively. Hand-written, allocation-free.
//! * `context.rs`, `certificate.rs`: [`AuthContext`] is what variables resolve to: client id,
//!   source IP, the client certificate ([`CertificateContext`], built from DER with
//!   [`CertificateContext::from_der`]) and the connection's thing ([`ThingContext`]).
//! * `variables.rs`: `${iot:ClientId}`, `${iot:Certificate.Subject.CommonName#1}`, ... with the
//!   guide's multi-value rules (`#N`, `.List`, 5 items) and substitution limits (no value
//!   containing `*`/`?` or longer than 1024 characters is substituted).
//! * `conditions.rs`: IAM condition operators (String*, Arn*, Numeric*, Bool, IpAddress, Null,
//!   `ForAllValues:`/`ForAnyValue:`, `...IfExists`); an unknown operator is malformed.
//! * `evaluate.rs`: [`evaluate()`] (implicit deny; an explicit Deny in any policy beats every
//!   Allow) with the per-policy detail and missing context values TestAuthorization reports,
//!   and [`decide`], the decision alone.
//!
//! What the caller decides, not this module:
//! * which policies apply: it passes the union of the policies attached to the principal
//!   (certificate or Cognito identity) and those inherited from the thing groups (and their
//!   ancestors) of the connection's thing, each as a [`NamedPolicy`] holding its default
//!   version's document; for authenticated Cognito identities it also intersects with the
//!   pool role (evaluate both sets, require both);
//! * the resource ARN: `arn:aws:iot:<region>:<account>:` + `client/<client id>` (connect),
//!   `topic/<topic>` (publish, receive), `topicfilter/<filter>` (subscribe), `thing/<name>`;
//! * the thing context: [`AuthContext::thing`] is set when a thing named by the client id
//!   exists in the registry, with `is_attached` telling whether the principal is attached to
//!   it; without it every `iot:Connection.Thing.*` variable is missing.

mod certificate;
mod conditions;
pub mod context;
pub mod document;
pub mod evaluate;
mod glob;
mod variables;

#[cfg(test)]
mod fixture_tests;

pub use context::{
    AlternativeNameKind, AlternativeNames, AuthContext, CertificateContext, DistinguishedName,
    DnAttribute, ThingContext,
};
pub use document::{
    Effect, MAX_POLICY_CHARS, MalformedPolicy, POLICY_VERSION, PolicyDocument, Statement,
};
pub use evaluate::{Decision, Evaluation, MatchedStatement, NamedPolicy, decide, evaluate};

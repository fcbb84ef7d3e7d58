//! Evaluation: is `action` on `resource` allowed for this caller by this set of policies?
//!
//! IAM semantics, as the guide states them for AWS IoT: everything is implicitly denied; a
//! matching Allow statement allows; a matching Deny statement in any policy beats every Allow.
//! A statement matches when one of its actions matches (case-insensitively), one of its
//! resources matches (case-sensitively, after variable substitution) and all its conditions hold.

use super::context::AuthContext;
use super::document::{Effect, PolicyDocument, Statement};
use super::glob::Piece;
use super::variables::{self, Lookup};

/// A policy as the caller knows it: its name and its (default version's) document.
#[derive(Debug, Clone, Copy)]
pub struct NamedPolicy<'a> {
    /// The policy name, reported back in [`Evaluation`].
    pub name: &'a str,
    /// The parsed document.
    pub document: &'a PolicyDocument,
}

/// The overall decision; [`Decision::as_str`] gives TestAuthorization's `authDecision`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Some statement allows and none denies.
    Allowed,
    /// Some statement denies.
    ExplicitDeny,
    /// No statement allows or denies.
    ImplicitDeny,
}

impl Decision {
    /// `ALLOWED`, `EXPLICIT_DENY` or `IMPLICIT_DENY`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "ALLOWED",
            Decision::ExplicitDeny => "EXPLICIT_DENY",
            Decision::ImplicitDeny => "IMPLICIT_DENY",
        }
    }

    /// Only [`Decision::Allowed`] lets the request through.
    pub fn is_allowed(self) -> bool {
        self == Decision::Allowed
    }
}

/// A statement that matched, for TestAuthorization's optional `matchedStatements` (D11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchedStatement<'a> {
    /// The policy the statement belongs to.
    pub policy: &'a str,
    /// Zero-based index of the statement in the document.
    pub statement: usize,
    /// The statement's effect.
    pub effect: Effect,
}

/// The full result, shaped for TestAuthorization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation<'a> {
    /// `authDecision`.
    pub decision: Decision,
    /// `allowed.policies`: policies with a matching Allow statement (a policy that also
    /// denies is listed in both lists).
    pub allowed: Vec<&'a str>,
    /// `denied.explicitDeny.policies`: policies with a matching Deny statement.
    pub explicit_deny: Vec<&'a str>,
    /// `denied.implicitDeny.policies`: policies with no matching statement at all.
    pub implicit_deny: Vec<&'a str>,
    /// Every matching statement, in policy then statement order.
    pub matched_statements: Vec<MatchedStatement<'a>>,
    /// `missingContextValues`: variable names that statements whose action matched needed
    /// but the context lacked (deduplicated, in first-seen order).
    pub missing_context_values: Vec<String>,
}

/// Evaluates and explains: every policy is examined, so the per-policy lists are complete.
///
/// The caller passes the union of every policy that applies (the principal's own and those
/// inherited from thing groups); this function knows nothing about attachments.
pub fn evaluate<'a>(
    policies: &[NamedPolicy<'a>],
    action: &str,
    resource: &str,
    ctx: &AuthContext,
) -> Evaluation<'a> {
    let mut out = Evaluation {
        decision: Decision::ImplicitDeny,
        allowed: Vec::new(),
        explicit_deny: Vec::new(),
        implicit_deny: Vec::new(),
        matched_statements: Vec::new(),
        missing_context_values: Vec::new(),
    };
    for policy in policies {
        let (mut allows, mut denies) = (false, false);
        for (index, statement) in policy.document.statements().iter().enumerate() {
            if !action_matches(statement, action) {
                continue;
            }
            collect_missing(statement, ctx, &mut out.missing_context_values);
            if resource_matches(statement, resource, ctx) && conditions_hold(statement, ctx) {
                let effect = statement.effect();
                out.matched_statements.push(MatchedStatement {
                    policy: policy.name,
                    statement: index,
                    effect,
                });
                match effect {
                    Effect::Allow => allows = true,
                    Effect::Deny => denies = true,
                }
            }
        }
        if allows {
            out.allowed.push(policy.name);
        }
        if denies {
            out.explicit_deny.push(policy.name);
        }
        if !allows && !denies {
            out.implicit_deny.push(policy.name);
        }
    }
    out.decision = if !out.explicit_deny.is_empty() {
        Decision::ExplicitDeny
    } else if !out.allowed.is_empty() {
        Decision::Allowed
    } else {
        Decision::ImplicitDeny
    };
    out
}

/// The decision alone, for the broker's hot path: no allocation, stops at the first Deny,
/// and skips Allow statements once something has allowed.
pub fn decide(
    policies: &[NamedPolicy<'_>],
    action: &str,
    resource: &str,
    ctx: &AuthContext,
) -> Decision {
    let mut allowed = false;
    for policy in policies {
        for statement in policy.document.statements() {
            let effect = statement.effect();
            if allowed && effect == Effect::Allow {
                continue;
            }
            if statement_matches(statement, action, resource, ctx) {
                match effect {
                    Effect::Deny => return Decision::ExplicitDeny,
                    Effect::Allow => allowed = true,
                }
            }
        }
    }
    if allowed { Decision::Allowed } else { Decision::ImplicitDeny }
}

/// Does one statement apply to this request?
pub(crate) fn statement_matches(
    statement: &Statement,
    action: &str,
    resource: &str,
    ctx: &AuthContext,
) -> bool {
    // Cheapest test first: most statements of a policy are about other actions.
    action_matches(statement, action)
        && resource_matches(statement, resource, ctx)
        && conditions_hold(statement, ctx)
}

fn action_matches(statement: &Statement, action: &str) -> bool {
    let ctx = AuthContext::EMPTY;
    statement.action_patterns().iter().any(|p| p.matches(action, true, ctx))
}

fn resource_matches(statement: &Statement, resource: &str, ctx: &AuthContext) -> bool {
    statement.resource_patterns().iter().any(|p| p.matches(resource, false, ctx))
}

fn conditions_hold(statement: &Statement, ctx: &AuthContext) -> bool {
    statement.conditions().iter().all(|c| c.holds(ctx))
}

fn collect_missing(statement: &Statement, ctx: &AuthContext, out: &mut Vec<String>) {
    let mut report = |name: &str| {
        if !out.iter().any(|n| n == name) {
            out.push(name.to_owned());
        }
    };
    for (var, text) in statement.resource_patterns().iter().flat_map(|p| p.variables()) {
        if variables::substitute(var, ctx) == Lookup::Missing {
            report(Piece::var_name(text));
        }
    }
    for condition in statement.conditions() {
        condition.missing(ctx, &mut report);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:iot:us-east-1:123456789012";

    fn doc(statements: &str) -> PolicyDocument {
        PolicyDocument::parse(&format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#))
            .unwrap()
    }

    fn both(
        policies: &[NamedPolicy<'_>],
        action: &str,
        resource: &str,
        ctx: &AuthContext,
    ) -> Decision {
        let full = evaluate(policies, action, resource, ctx);
        assert_eq!(full.decision, decide(policies, action, resource, ctx), "{action} {resource}");
        full.decision
    }

    #[test]
    fn implicit_deny_by_default() {
        let d = doc(r#"{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}"#);
        let p = [NamedPolicy { name: "p", document: &d }];
        let ctx = AuthContext::default();
        assert_eq!(
            both(&p, "iot:Publish", &format!("{ARN}:topic/a"), &ctx),
            Decision::ImplicitDeny
        );
        assert_eq!(
            both(&[], "iot:Connect", &format!("{ARN}:client/a"), &ctx),
            Decision::ImplicitDeny
        );
        let e = evaluate(&p, "iot:Publish", &format!("{ARN}:topic/a"), &ctx);
        assert_eq!(e.implicit_deny, ["p"]);
        assert!(e.allowed.is_empty() && e.explicit_deny.is_empty());
    }

    #[test]
    fn explicit_deny_wins_across_policies() {
        let allow = doc(r#"{"Effect":"Allow","Action":"iot:*","Resource":"*"}"#);
        let deny = doc(&format!(
            r#"{{"Effect":"Deny","Action":"iot:Publish","Resource":"{ARN}:topic/secret/*"}}"#
        ));
        let unrelated = doc(r#"{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}"#);
        let policies = [
            NamedPolicy { name: "allow-all", document: &allow },
            NamedPolicy { name: "deny-secret", document: &deny },
            NamedPolicy { name: "connect", document: &unrelated },
        ];
        let ctx = AuthContext::default();
        for order in [[0, 1, 2], [1, 0, 2], [2, 1, 0]] {
            let ps: Vec<_> = order.iter().map(|&i| policies[i]).collect();
            assert_eq!(
                both(&ps, "iot:Publish", &format!("{ARN}:topic/secret/x"), &ctx),
                Decision::ExplicitDeny
            );
            assert_eq!(
                both(&ps, "iot:Publish", &format!("{ARN}:topic/public"), &ctx),
                Decision::Allowed
            );
        }
        let e = evaluate(&policies, "iot:Publish", &format!("{ARN}:topic/secret/x"), &ctx);
        assert_eq!(e.decision.as_str(), "EXPLICIT_DENY");
        assert_eq!(e.allowed, ["allow-all"]);
        assert_eq!(e.explicit_deny, ["deny-secret"]);
        assert_eq!(e.implicit_deny, ["connect"]);
        assert_eq!(e.matched_statements.len(), 2);
        assert_eq!(
            e.matched_statements[1],
            MatchedStatement { policy: "deny-secret", statement: 0, effect: Effect::Deny }
        );
    }

    #[test]
    fn actions_are_case_insensitive_resources_are_not() {
        let d = doc(&format!(
            r#"{{"Effect":"Allow","Action":["iot:publish"],"Resource":"{ARN}:topic/Foo"}}"#
        ));
        let p = [NamedPolicy { name: "p", document: &d }];
        let ctx = AuthContext::default();
        assert_eq!(both(&p, "iot:Publish", &format!("{ARN}:topic/Foo"), &ctx), Decision::Allowed);
        assert_eq!(both(&p, "IOT:PUBLISH", &format!("{ARN}:topic/Foo"), &ctx), Decision::Allowed);
        assert_eq!(
            both(&p, "iot:Publish", &format!("{ARN}:topic/foo"), &ctx),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn missing_context_values_are_reported_once() {
        let d = doc(&format!(
            r#"{{"Effect":"Allow","Action":"iot:Publish","Resource":["{ARN}:topic/${{iot:ClientId}}","{ARN}:topic/x/${{iot:ClientId}}"],
                 "Condition":{{"Bool":{{"iot:Connection.Thing.IsAttached":"true"}}}}}},
               {{"Effect":"Allow","Action":"iot:Connect","Resource":"{ARN}:client/${{iot:Connection.Thing.ThingName}}"}}"#
        ));
        let p = [NamedPolicy { name: "p", document: &d }];
        let e = evaluate(&p, "iot:Publish", &format!("{ARN}:topic/c1"), &AuthContext::default());
        assert_eq!(e.decision, Decision::ImplicitDeny);
        // Only statements whose action matched are examined.
        assert_eq!(e.missing_context_values, ["iot:ClientId", "iot:Connection.Thing.IsAttached"]);
        let e = evaluate(
            &p,
            "iot:Publish",
            &format!("{ARN}:topic/c1"),
            &AuthContext::with_client_id("c1"),
        );
        assert_eq!(e.missing_context_values, ["iot:Connection.Thing.IsAttached"]);
    }

    #[test]
    fn unresolved_variable_leaves_literal_text() {
        let d = doc(&format!(
            r#"{{"Effect":"Allow","Action":"iot:Publish","Resource":"{ARN}:topic/${{iot:ClientId}}"}}"#
        ));
        let p = [NamedPolicy { name: "p", document: &d }];
        let ctx = AuthContext::default();
        assert_eq!(both(&p, "iot:Publish", &format!("{ARN}:topic/"), &ctx), Decision::ImplicitDeny);
        assert_eq!(
            both(&p, "iot:Publish", &format!("{ARN}:topic/${{iot:ClientId}}"), &ctx),
            Decision::Allowed
        );
    }
}

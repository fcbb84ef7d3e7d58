//! Policy patterns: IAM globbing (`*` any run, `?` one character) with `${...}` variables.
//!
//! MQTT's `+` and `#` are ordinary characters here (the guide, "Policies for MQTT Clients"):
//! a `topicfilter/foo/+/bar` grant allows exactly the filter `foo/+/bar`. Patterns are compiled
//! once when the document is parsed; matching is a hand-written backtracking glob over bytes
//! that never allocates, because it runs on every MQTT connect, publish, subscribe and delivery.

use super::context::AuthContext;
use super::variables::{self, Lookup, Variable};

/// One compiled piece of a pattern.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Piece {
    /// Characters matched as they are.
    Lit(Box<str>),
    /// `*`: any run of characters, including none.
    Star,
    /// `?`: exactly one character.
    One,
    /// `${name}`: the variable's value, matched literally; when it cannot be substituted the
    /// `${name}` text itself stays (the guide: "leaving the `${policy-variable}` text").
    Var { var: Variable, text: Box<str> },
}

impl Piece {
    /// The variable name inside `${...}`, for missing-context reports.
    pub(crate) fn var_name(text: &str) -> &str {
        &text[2..text.len() - 1]
    }
}

/// A piece as the matcher sees it, with variables already resolved.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Seg<'a> {
    Lit(&'a str),
    Star,
    One,
}

/// A compiled policy pattern (an action, a resource, or a condition value).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pattern {
    raw: Box<str>,
    shape: Shape,
}

/// Fast paths for the shapes real policies use most (`*`, exact ARNs, `prefix/*`).
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    Any,
    Exact(Box<str>),
    Prefix(Box<str>),
    Pieces(Box<[Piece]>),
}

impl Pattern {
    /// Compiles `raw`. `wildcards`: `*` and `?` are wildcards (StringLike, resources, actions)
    /// rather than characters (StringEquals). `variables`: `${...}` is substituted (resources
    /// and condition values; never actions).
    pub(crate) fn new(raw: &str, wildcards: bool, variables: bool) -> Pattern {
        let pieces = tokenize(raw, wildcards, variables);
        let shape = match pieces.as_slice() {
            [Piece::Star] => Shape::Any,
            [] => Shape::Exact("".into()),
            [Piece::Lit(s)] => Shape::Exact(s.clone()),
            [Piece::Lit(s), Piece::Star] => Shape::Prefix(s.clone()),
            _ => Shape::Pieces(pieces.into_boxed_slice()),
        };
        Pattern { raw: raw.into(), shape }
    }

    /// The pattern as written in the policy.
    pub(crate) fn raw(&self) -> &str {
        &self.raw
    }

    /// Does `text` match? `fold` compares ASCII letters case-insensitively (actions).
    pub(crate) fn matches(&self, text: &str, fold: bool, ctx: &AuthContext) -> bool {
        match &self.shape {
            Shape::Any => true,
            Shape::Exact(s) => bytes_eq(text.as_bytes(), s.as_bytes(), fold),
            Shape::Prefix(p) => {
                text.len() >= p.len() && bytes_eq(&text.as_bytes()[..p.len()], p.as_bytes(), fold)
            }
            Shape::Pieces(pieces) => glob_match(
                pieces.len(),
                |i| match &pieces[i] {
                    Piece::Lit(s) => Seg::Lit(s),
                    Piece::Star => Seg::Star,
                    Piece::One => Seg::One,
                    Piece::Var { var, text } => match variables::substitute(var, ctx) {
                        Lookup::Value(v) => Seg::Lit(v),
                        Lookup::Missing | Lookup::NotSubstituted => Seg::Lit(text),
                    },
                },
                text,
                fold,
            ),
        }
    }

    /// The variables used in this pattern, with their `${...}` text.
    pub(crate) fn variables(&self) -> impl Iterator<Item = (&Variable, &str)> {
        let pieces: &[Piece] = match &self.shape {
            Shape::Pieces(p) => p,
            _ => &[],
        };
        pieces.iter().filter_map(|p| match p {
            Piece::Var { var, text } => Some((var, &**text)),
            _ => None,
        })
    }
}

fn tokenize(raw: &str, wildcards: bool, variables: bool) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let flush = |lit: &mut String, pieces: &mut Vec<Piece>| {
        if !lit.is_empty() {
            pieces.push(Piece::Lit(std::mem::take(lit).into_boxed_str()));
        }
    };
    let mut rest = raw;
    while let Some(c) = rest.chars().next() {
        if variables
            && rest.starts_with("${")
            && let Some(end) = rest.find('}')
        {
            let text = &rest[..=end];
            // `${*}`, `${?}` and `${$}` are IAM's escapes for characters that would
            // otherwise be special; they are plain characters, never wildcards.
            match Variable::parse(Piece::var_name(text)) {
                Variable::Literal(s) => lit.push_str(s),
                var => {
                    flush(&mut lit, &mut pieces);
                    pieces.push(Piece::Var { var, text: text.into() });
                }
            }
            rest = &rest[end + 1..];
            continue;
        }
        match c {
            '*' if wildcards => {
                flush(&mut lit, &mut pieces);
                // `**` means the same as `*`; collapsing keeps backtracking linear.
                if pieces.last() != Some(&Piece::Star) {
                    pieces.push(Piece::Star);
                }
            }
            '?' if wildcards => {
                flush(&mut lit, &mut pieces);
                pieces.push(Piece::One);
            }
            c => lit.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    flush(&mut lit, &mut pieces);
    pieces
}

fn bytes_eq(a: &[u8], b: &[u8], fold: bool) -> bool {
    if fold { a.eq_ignore_ascii_case(b) } else { a == b }
}

/// Length of the UTF-8 character starting with `lead`, so `?` and `*` step whole characters.
fn char_len(lead: u8) -> usize {
    match lead {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// Glob matching over `count` segments produced by `seg`.
///
/// The classic greedy algorithm with one backtrack point: on a mismatch the most recent `*`
/// absorbs one more character. Literal runs are compared as blocks, which is equivalent to
/// character-by-character comparison and keeps the common cases fast. Worst case
/// O(pattern × text), no allocation, no recursion.
pub(crate) fn glob_match<'a>(
    count: usize,
    seg: impl Fn(usize) -> Seg<'a>,
    text: &str,
    fold: bool,
) -> bool {
    let text = text.as_bytes();
    let (mut p, mut t) = (0usize, 0usize);
    // (segment after the last star, text position that star currently stops at)
    let mut star: Option<(usize, usize)> = None;
    loop {
        if p < count {
            match seg(p) {
                Seg::Star => {
                    star = Some((p + 1, t));
                    p += 1;
                    continue;
                }
                Seg::One if t < text.len() => {
                    t += char_len(text[t]);
                    p += 1;
                    continue;
                }
                Seg::Lit(s)
                    if text.len() - t >= s.len()
                        && bytes_eq(&text[t..t + s.len()], s.as_bytes(), fold) =>
                {
                    t += s.len();
                    p += 1;
                    continue;
                }
                _ => {}
            }
        } else if t == text.len() {
            return true;
        }
        match star {
            Some((sp, st)) if st < text.len() => {
                let st = st + char_len(text[st]);
                star = Some((sp, st));
                p = sp;
                t = st;
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(pattern: &str, text: &str) -> bool {
        Pattern::new(pattern, true, false).matches(text, false, &AuthContext::default())
    }

    #[test]
    fn star_and_question_mark() {
        assert!(glob("*", ""));
        assert!(glob("*", "anything/at/all"));
        assert!(glob("foo/*", "foo/"));
        assert!(glob("foo/*", "foo/bar/baz"));
        assert!(!glob("foo/*", "foo"));
        assert!(glob("a*c", "abbbc"));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("a*b*c", "axxbyy"));
        assert!(glob("*bar", "foobar"));
        assert!(glob("**x", "x"));
        assert!(glob("f?o", "foo"));
        assert!(!glob("f?o", "fo"));
        assert!(!glob("f?o", "fooo"));
        assert!(glob("?", "é"), "? is one character, not one byte");
        assert!(!glob("??", "é"));
        assert!(glob("*é?", "aéé"));
        assert!(glob("a*?", "ab"));
        assert!(!glob("a*?", "a"));
    }

    #[test]
    fn mqtt_wildcards_are_literal() {
        let arn = "arn:aws:iot:us-east-1:123456789012:topicfilter/";
        assert!(glob(&format!("{arn}foo/+/bar"), &format!("{arn}foo/+/bar")));
        assert!(!glob(&format!("{arn}foo/+/bar"), &format!("{arn}foo/baz/bar")));
        assert!(glob(&format!("{arn}foo/#"), &format!("{arn}foo/#")));
        assert!(!glob(&format!("{arn}foo/#"), &format!("{arn}foo/bar")));
        assert!(glob(&format!("{arn}foo/*"), &format!("{arn}foo/#")));
    }

    #[test]
    fn exact_and_literal_modes() {
        let eq = Pattern::new("a*b?", false, false);
        assert!(eq.matches("a*b?", false, &AuthContext::default()));
        assert!(!eq.matches("axxbc", false, &AuthContext::default()));
        assert!(!glob("abc", "abcd"));
        assert!(!glob("abc", "ab"));
    }

    #[test]
    fn folding_is_ascii_case_insensitive() {
        let p = Pattern::new("iot:Publish", true, false);
        assert!(p.matches("iot:publish", true, &AuthContext::default()));
        assert!(p.matches("IOT:PUBLISH", true, &AuthContext::default()));
        assert!(!p.matches("iot:publish", false, &AuthContext::default()));
        let p = Pattern::new("iot:*", true, false);
        assert!(p.matches("IoT:Connect", true, &AuthContext::default()));
        let p = Pattern::new("iot:*Shadow", true, false);
        assert!(p.matches("iot:getthingshadow", true, &AuthContext::default()));
    }

    #[test]
    fn variables_substitute_literally() {
        let ctx = AuthContext::with_client_id("a?b");
        let p = Pattern::new("client/${iot:ClientId}", true, true);
        // A value with a wildcard character is not substituted, so only the literal text matches.
        assert!(!p.matches("client/axb", false, &ctx));
        assert!(!p.matches("client/a?b", false, &ctx));
        assert!(p.matches("client/${iot:ClientId}", false, &ctx));
        let ctx = AuthContext::with_client_id("dev1");
        assert!(p.matches("client/dev1", false, &ctx));
        assert!(!p.matches("client/dev12", false, &ctx));
        let p = Pattern::new("topic/${*}/${?}/${$}", true, true);
        assert!(p.matches("topic/*/?/$", false, &ctx));
        assert!(!p.matches("topic/x/y/$", false, &ctx));
    }

    #[test]
    fn unterminated_variable_is_text() {
        let p = Pattern::new("topic/${iot:ClientId", true, true);
        assert!(p.matches("topic/${iot:ClientId", false, &AuthContext::with_client_id("x")));
    }
}

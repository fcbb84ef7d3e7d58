//! Substitution templates (`${expression}` in rule action fields, guide
//! L9583-9635): parsed once, rendered against the incoming message. `$$` is a
//! literal `$` (the guide's republish to `$$aws/things/...`).

use super::ast::Expr;
use super::error::{Pos, SqlParseError};
use super::eval::{Ctx, Root};
use super::parser::Parser;
use super::value::Value;
use super::{MessageInput, ParsedPayload, SqlEnvironment, SqlVersion};

#[derive(Clone, Debug)]
enum Part {
    Text(String),
    Expr(Expr),
}

/// A parsed action field such as `${topic()}/${timestamp()}`.
#[derive(Clone, Debug)]
pub struct Template {
    parts: Vec<Part>,
}

impl Template {
    pub fn parse(s: &str) -> Result<Template, SqlParseError> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut rest = s;
        while let Some(i) = rest.find('$') {
            text.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if let Some(tail) = after.strip_prefix('$') {
                text.push('$');
                rest = tail;
            } else if let Some(body) = after.strip_prefix('{') {
                let start = s.len() - body.len();
                let end = closing_brace(body).ok_or_else(|| {
                    SqlParseError::at(
                        pos_of(s, start - 2),
                        "unterminated '${' in template".to_string(),
                    )
                })?;
                let expr = parse_expr(&body[..end], pos_of(s, start))?;
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                parts.push(Part::Expr(expr));
                rest = &body[end + 1..];
            } else {
                text.push('$');
                rest = after;
            }
        }
        text.push_str(rest);
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Template { parts })
    }

    /// Whether the template has no `${...}` at all.
    pub fn is_static(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Text(_)))
    }

    /// Whether an expression reads JSON names (not allowed with binary
    /// payloads, guide L9373).
    pub fn refers_to_json_names(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, Part::Expr(e) if e.refers_to_json_names()))
    }

    pub fn uses_external_functions(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, Part::Expr(e) if e.calls(&|f| f.external)))
    }

    pub fn render(&self, input: &MessageInput<'_>, env: &dyn SqlEnvironment) -> String {
        if self.is_static() {
            return self.render_parsed(&ParsedPayload(super::eval::Payload::Binary), input, env);
        }
        self.render_parsed(&ParsedPayload::parse(input.payload), input, env)
    }

    /// As [`Template::render`], with the payload already parsed. Undefined (and
    /// anything that cannot be evaluated) renders as the empty string.
    pub fn render_parsed(
        &self,
        payload: &ParsedPayload,
        input: &MessageInput<'_>,
        env: &dyn SqlEnvironment,
    ) -> String {
        let ctx = Ctx { input, env, payload: &payload.0 };
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Expr(e) => match ctx.eval(e, Root::Message) {
                    Ok(Value::String(s)) => out.push_str(&s),
                    Ok(v) => out.push_str(&v.to_sql_string().unwrap_or_default()),
                    Err(_) => {}
                },
            }
        }
        out
    }
}

/// The index in `body` of the `}` that closes a `${`, skipping braces of
/// object literals and anything inside string literals.
fn closing_brace(body: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Line and column of byte `at` in `s`.
fn pos_of(s: &str, at: usize) -> Pos {
    let before = &s[..at];
    let line = before.matches('\n').count() as u32 + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
    Pos { line, column }
}

/// Parses one `${...}` body; error positions are made relative to the whole
/// template.
fn parse_expr(src: &str, origin: Pos) -> Result<Expr, SqlParseError> {
    let shift = |mut e: SqlParseError| {
        if e.pos.line == 1 {
            e.pos.column += origin.column - 1;
        }
        e.pos.line += origin.line - 1;
        e
    };
    let mut p = Parser::new(src, SqlVersion::Beta).map_err(shift)?;
    let e = p.expr().map_err(shift)?;
    p.finish().map_err(shift)?;
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::super::StaticEnvironment;
    use super::*;

    fn input(payload: &[u8]) -> MessageInput<'_> {
        MessageInput {
            topic: "this/is/my/topic",
            payload,
            client_id: Some("c1"),
            principal: None,
            timestamp_ms: 1_460_685_389_000,
            account: "123456789012",
            region: "us-east-1",
            trace_id: None,
        }
    }

    fn render(t: &str, payload: &[u8]) -> String {
        Template::parse(t).unwrap().render(&input(payload), &StaticEnvironment::default())
    }

    #[test]
    fn guide_examples() {
        assert_eq!(render("${topic()}/${timestamp()}", b"{}"), "this/is/my/topic/1460685389000");
        assert_eq!(render("${topic(2)}/delta", b"{}"), "is/delta");
        assert_eq!(render("${topic()}/republish", b"{}"), "this/is/my/topic/republish");
        assert_eq!(
            render("$$aws/things/myLightBulb/shadow/update", b"{}"),
            "$aws/things/myLightBulb/shadow/update"
        );
        assert_eq!(render("${parse_time('yyyy', timestamp(), 'UTC')}", b"{}"), "2016");
        assert_eq!(
            render("${replace(topic(), '/', '-') + '-' + timestamp()}", b"{}"),
            "this-is-my-topic-1460685389000"
        );
        assert_eq!(render("${newuuid()}", b"{}"), "00000000-0000-4000-8000-000000000001");
    }

    #[test]
    fn payload_fields_and_undefined() {
        assert_eq!(render("device/${device_id}", br#"{"device_id":"d-7"}"#), "device/d-7");
        assert_eq!(render("device/${device_id}", b"{}"), "device/");
        assert_eq!(render("device/${device_id}", b"\x00binary"), "device/");
        assert_eq!(render("${serialNumber}", br#"{"serialNumber":42}"#), "42");
        assert_eq!(render("${ {'a': 1} }", b"{}"), r#"{"a":1}"#);
        assert_eq!(render("cost $5 ${'}'}", b"{}"), "cost $5 }");
    }

    #[test]
    fn errors_name_their_position() {
        let e = Template::parse("key/${topic(}").unwrap_err();
        assert_eq!(e.to_string(), "line 1:13: expected an expression but found end of input");
        let e = Template::parse("abc${topic()").unwrap_err();
        assert_eq!(e.pos, Pos { line: 1, column: 4 });
        assert!(Template::parse("${nosuchfn()}").is_err());
    }

    #[test]
    fn flags() {
        assert!(Template::parse("plain").unwrap().is_static());
        assert!(Template::parse("${a.b}").unwrap().refers_to_json_names());
        assert!(!Template::parse("${topic()}").unwrap().refers_to_json_names());
        assert!(Template::parse("${aws_lambda('arn', *)}").unwrap().uses_external_functions());
    }
}

//! Rust names for AWS names: snake_case fields and methods, PascalCase types.

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "crate", "dyn", "else", "enum",
    "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod",
    "move", "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true",
    "type", "unsafe", "use", "where", "while", "yield",
];

/// `thingName` → `thing_name`, `MQTTContext` → `mqtt_context`, `type` → `r#type`.
pub fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('_');
            }
        }
        if c == '-' || c == '.' {
            out.push('_');
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    if KEYWORDS.contains(&out.as_str()) { format!("r#{out}") } else { out }
}

/// A shape name as a Rust type name: first letter upper-cased.
pub fn pascal(name: &str) -> String {
    let mut c = name.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// A Rust string literal for any text.
pub fn lit(s: &str) -> String {
    format!("{s:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_table() {
        for (aws, rust) in [
            ("thingName", "thing_name"),
            ("MQTTContext", "mqtt_context"),
            ("type", "r#type"),
            ("x509Subject", "x509_subject"),
            ("CreateThing", "create_thing"),
            ("CreateOTAUpdate", "create_ota_update"),
            ("ListV2LoggingLevels", "list_v2_logging_levels"),
        ] {
            assert_eq!(snake(aws), rust, "{aws}");
        }
    }
}

//! Tokens of IoT SQL, each with the line and column where it starts.

use super::error::{Pos, SqlParseError};

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// A bare word: keyword, field name or function name (case kept).
    Word(String),
    /// A string literal, quotes removed and escapes resolved.
    Str(String),
    /// A number literal as written (`5`, `5.0`, `5E-12`).
    Number(String),
    Sym(&'static str),
    Eof,
}

impl Tok {
    pub fn describe(&self) -> String {
        match self {
            Tok::Word(w) => format!("'{w}'"),
            Tok::Str(s) => format!("string '{s}'"),
            Tok::Number(n) => format!("'{n}'"),
            Tok::Sym(s) => format!("'{s}'"),
            Tok::Eof => "end of input".to_string(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Token {
    pub tok: Tok,
    pub pos: Pos,
}

const SYMBOLS: [&str; 21] = [
    "<>", "!=", "<=", ">=", "(", ")", "[", "]", "{", "}", ",", ".", "*", "+", "-", "/", "%", "=",
    "<", ">", ":",
];

pub fn tokenize(src: &str) -> Result<Vec<Token>, SqlParseError> {
    let mut out = Vec::new();
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    let mut line = 1u32;
    let mut col = 1u32;
    let advance = |i: &mut usize, line: &mut u32, col: &mut u32, c: char| {
        *i += 1;
        if c == '\n' {
            *line += 1;
            *col = 1;
        } else {
            *col += 1;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        let pos = Pos { line, column: col };
        if c.is_whitespace() {
            advance(&mut i, &mut line, &mut col, c);
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                let ch = chars[i];
                advance(&mut i, &mut line, &mut col, ch);
            }
            out.push(Token { tok: Tok::Word(chars[start..i].iter().collect()), pos });
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                let ch = chars[i];
                advance(&mut i, &mut line, &mut col, ch);
            }
            if i < chars.len()
                && chars[i] == '.'
                && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())
            {
                advance(&mut i, &mut line, &mut col, '.');
                while i < chars.len() && chars[i].is_ascii_digit() {
                    let ch = chars[i];
                    advance(&mut i, &mut line, &mut col, ch);
                }
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if matches!(chars.get(j), Some('+' | '-')) {
                    j += 1;
                }
                if chars.get(j).is_some_and(|d| d.is_ascii_digit()) {
                    while i < j {
                        let ch = chars[i];
                        advance(&mut i, &mut line, &mut col, ch);
                    }
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        let ch = chars[i];
                        advance(&mut i, &mut line, &mut col, ch);
                    }
                }
            }
            if i < chars.len() && (chars[i].is_ascii_alphabetic() || chars[i] == '_') {
                return Err(SqlParseError::at(
                    Pos { line, column: col },
                    format!("unexpected character '{}' after number", chars[i]),
                ));
            }
            out.push(Token { tok: Tok::Number(chars[start..i].iter().collect()), pos });
            continue;
        }
        if c == '\'' || c == '"' {
            let quote = c;
            advance(&mut i, &mut line, &mut col, c);
            let mut s = String::new();
            loop {
                let Some(&ch) = chars.get(i) else {
                    return Err(SqlParseError::at(pos, "unterminated string literal".to_string()));
                };
                if ch == quote {
                    advance(&mut i, &mut line, &mut col, ch);
                    break;
                }
                if ch == '\\' {
                    let esc_pos = Pos { line, column: col };
                    advance(&mut i, &mut line, &mut col, ch);
                    let Some(&e) = chars.get(i) else {
                        return Err(SqlParseError::at(
                            pos,
                            "unterminated string literal".to_string(),
                        ));
                    };
                    advance(&mut i, &mut line, &mut col, e);
                    match e {
                        'n' => s.push('\n'),
                        't' => s.push('\t'),
                        'r' => s.push('\r'),
                        'b' => s.push('\u{8}'),
                        'f' => s.push('\u{c}'),
                        '0' => s.push('\0'),
                        'u' => {
                            let hex: String = chars.iter().skip(i).take(4).collect();
                            let code = (hex.len() == 4)
                                .then(|| u32::from_str_radix(&hex, 16).ok())
                                .flatten()
                                .and_then(char::from_u32)
                                .ok_or_else(|| {
                                    SqlParseError::at(esc_pos, "invalid \\u escape".to_string())
                                })?;
                            for _ in 0..4 {
                                advance(&mut i, &mut line, &mut col, 'x');
                            }
                            s.push(code);
                        }
                        other => s.push(other),
                    }
                    continue;
                }
                s.push(ch);
                advance(&mut i, &mut line, &mut col, ch);
            }
            out.push(Token { tok: Tok::Str(s), pos });
            continue;
        }
        let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
        if let Some(sym) = SYMBOLS.iter().find(|s| rest.starts_with(**s)) {
            for ch in sym.chars() {
                advance(&mut i, &mut line, &mut col, ch);
            }
            out.push(Token { tok: Tok::Sym(sym), pos });
            continue;
        }
        return Err(SqlParseError::at(pos, format!("unexpected character '{c}'")));
    }
    out.push(Token { tok: Tok::Eof, pos: Pos { line, column: col } });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        tokenize(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn both_quote_styles_and_escapes() {
        assert_eq!(
            toks(r#"'a\'b' "c\"d""#),
            vec![Tok::Str("a'b".into()), Tok::Str("c\"d".into()), Tok::Eof]
        );
    }

    #[test]
    fn numbers_and_symbols() {
        assert_eq!(
            toks("a.b[0] <> 5E-12"),
            vec![
                Tok::Word("a".into()),
                Tok::Sym("."),
                Tok::Word("b".into()),
                Tok::Sym("["),
                Tok::Number("0".into()),
                Tok::Sym("]"),
                Tok::Sym("<>"),
                Tok::Number("5E-12".into()),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn positions_count_lines_and_columns() {
        let t = tokenize("SELECT\n  x").unwrap();
        assert_eq!(t[1].pos, Pos { line: 2, column: 3 });
    }
}

//! Recursive-descent parser for IoT SQL. Keywords and function names are
//! case-insensitive; precedence from loosest: OR, AND, NOT, comparisons and
//! IS, `+ -`, `* / %`, unary minus, then `.name` / `[index]`.

use super::SqlVersion;
use super::ast::{BinOp, CastType, Expr, From, IsKind, Query, Seg, Select, SelectItem};
use super::decimal::Decimal;
use super::error::{Pos, SqlParseError};
use super::functions::{self, FuncDef};
use super::lexer::{Tok, Token, tokenize};
use super::value::Value;

/// Words that end or structure a clause and so cannot name a field at the
/// start of an expression (after a `.` every word is a field name).
const RESERVED: [&str; 12] =
    ["select", "from", "where", "as", "and", "or", "when", "then", "else", "end", "is", "case"];

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: u32 = 64;

pub struct Parser {
    toks: Vec<Token>,
    at: usize,
    version: SqlVersion,
    depth: u32,
    /// Counter for the names of unnamed SELECT items.
    unnamed: usize,
}

type PResult<T> = Result<T, SqlParseError>;

impl Parser {
    pub fn new(src: &str, version: SqlVersion) -> PResult<Parser> {
        Ok(Parser { toks: tokenize(src)?, at: 0, version, depth: 0, unnamed: 0 })
    }

    fn peek(&self) -> &Tok {
        &self.toks[self.at].tok
    }

    fn peek_at(&self, n: usize) -> &Tok {
        &self.toks[(self.at + n).min(self.toks.len() - 1)].tok
    }

    fn pos(&self) -> Pos {
        self.toks[self.at].pos
    }

    fn bump(&mut self) -> Token {
        let t = self.toks[self.at].clone();
        if self.at + 1 < self.toks.len() {
            self.at += 1;
        }
        t
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Word(w) if w.eq_ignore_ascii_case(kw))
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        let yes = self.is_kw(kw);
        if yes {
            self.bump();
        }
        yes
    }

    fn eat_sym(&mut self, sym: &str) -> bool {
        let yes = matches!(self.peek(), Tok::Sym(s) if *s == sym);
        if yes {
            self.bump();
        }
        yes
    }

    fn err<T>(&self, expected: &str) -> PResult<T> {
        Err(SqlParseError::at(
            self.pos(),
            format!("expected {expected} but found {}", self.peek().describe()),
        ))
    }

    fn expect_kw(&mut self, kw: &str) -> PResult<()> {
        if self.eat_kw(kw) { Ok(()) } else { self.err(&kw.to_ascii_uppercase()) }
    }

    fn expect_sym(&mut self, sym: &str) -> PResult<()> {
        if self.eat_sym(sym) { Ok(()) } else { self.err(&format!("'{sym}'")) }
    }

    fn need_version(&self, pos: Pos, what: &str) -> PResult<()> {
        if self.version >= SqlVersion::V2016_03_23 {
            Ok(())
        } else {
            Err(SqlParseError::at(
                pos,
                format!(
                    "{what} requires SQL version 2016-03-23 or later (this rule uses {})",
                    self.version.as_str()
                ),
            ))
        }
    }

    pub fn finish(&mut self) -> PResult<()> {
        if matches!(self.peek(), Tok::Eof) { Ok(()) } else { self.err("end of input") }
    }

    /// `SELECT ... FROM 'filter' [WHERE ...]` (the top level), with its topic
    /// filter.
    pub fn statement(&mut self) -> PResult<(Query, String)> {
        let q = self.query(true)?;
        self.finish()?;
        let filter = match &q.from {
            From::Topic(f) => f.clone(),
            From::Expr(_) => String::new(),
        };
        Ok((q, filter))
    }

    fn query(&mut self, top: bool) -> PResult<Query> {
        self.expect_kw("select")?;
        let select = self.select_list()?;
        self.expect_kw("from")?;
        let from = if top {
            let pos = self.pos();
            match self.bump().tok {
                Tok::Str(filter) => {
                    validate_topic_filter(&filter).map_err(|m| SqlParseError::at(pos, m))?;
                    From::Topic(filter)
                }
                other => {
                    return Err(SqlParseError::at(
                        pos,
                        format!("expected a quoted topic filter but found {}", other.describe()),
                    ));
                }
            }
        } else {
            From::Expr(self.expr()?)
        };
        let where_ = if self.eat_kw("where") { Some(self.expr()?) } else { None };
        Ok(Query { select, from, where_ })
    }

    fn select_list(&mut self) -> PResult<Select> {
        // `VALUE` is the keyword unless it is itself the selected field
        // (`SELECT value FROM ...`, `SELECT value AS v ...`, `SELECT value.x`);
        // `SELECT VALUE [..]` is an array literal, not an index.
        if self.is_kw("value")
            && !matches!(self.peek_at(1), Tok::Sym(",") | Tok::Sym("."))
            && !matches!(self.peek_at(1), Tok::Word(w) if w.eq_ignore_ascii_case("from") || w.eq_ignore_ascii_case("as"))
        {
            self.bump();
            let e = self.expr()?;
            if matches!(self.peek(), Tok::Sym(",")) {
                return Err(SqlParseError::at(
                    self.pos(),
                    "SELECT VALUE takes exactly one expression".to_string(),
                ));
            }
            return Ok(Select::Value(e));
        }
        let mut items = Vec::new();
        loop {
            items.push(self.select_item(items.len() + 1)?);
            if !self.eat_sym(",") {
                break;
            }
        }
        Ok(Select::Items(items))
    }

    fn select_item(&mut self, position: usize) -> PResult<SelectItem> {
        let star_alone = matches!(self.peek(), Tok::Sym("*"))
            && (matches!(self.peek_at(1), Tok::Sym(",") | Tok::Eof)
                || matches!(self.peek_at(1), Tok::Word(w) if w.eq_ignore_ascii_case("from") || w.eq_ignore_ascii_case("as")));
        if star_alone {
            self.bump();
            let alias = if self.eat_kw("as") { Some(self.alias()?) } else { None };
            return Ok(SelectItem::Star { alias });
        }
        let expr = self.expr()?;
        let name = if self.eat_kw("as") {
            self.alias()?
        } else {
            self.unnamed = position;
            default_name(&expr, self.unnamed)
        };
        Ok(SelectItem::Expr { expr, name })
    }

    /// `name(.name)*`, any word allowed, or a quoted string.
    fn alias(&mut self) -> PResult<Vec<String>> {
        let mut parts = Vec::new();
        loop {
            match self.peek().clone() {
                Tok::Word(w) if !RESERVED.contains(&w.to_ascii_lowercase().as_str()) => {
                    self.bump();
                    parts.push(w);
                }
                Tok::Str(s) => {
                    self.bump();
                    parts.push(s);
                }
                _ => return self.err("an alias name"),
            }
            if !self.eat_sym(".") {
                return Ok(parts);
            }
        }
    }

    pub fn expr(&mut self) -> PResult<Expr> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(SqlParseError::at(self.pos(), "expression nested too deeply".to_string()));
        }
        let e = self.or();
        self.depth -= 1;
        e
    }

    fn or(&mut self) -> PResult<Expr> {
        let mut left = self.and()?;
        while self.eat_kw("or") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> PResult<Expr> {
        let mut left = self.not()?;
        while self.eat_kw("and") {
            left = Expr::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> PResult<Expr> {
        if self.eat_kw("not") {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(SqlParseError::at(
                    self.pos(),
                    "expression nested too deeply".to_string(),
                ));
            }
            let e = self.not();
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(e?)));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> PResult<Expr> {
        let mut left = self.additive()?;
        loop {
            let op = match self.peek() {
                Tok::Sym("=") => BinOp::Eq,
                Tok::Sym("<>") | Tok::Sym("!=") => BinOp::Ne,
                Tok::Sym("<") => BinOp::Lt,
                Tok::Sym("<=") => BinOp::Le,
                Tok::Sym(">") => BinOp::Gt,
                Tok::Sym(">=") => BinOp::Ge,
                Tok::Word(w) if w.eq_ignore_ascii_case("is") => {
                    self.bump();
                    let negated = self.eat_kw("not");
                    let kind = if self.eat_kw("null") {
                        IsKind::Null
                    } else if self.eat_kw("undefined") {
                        IsKind::Undefined
                    } else {
                        return self.err("NULL or UNDEFINED");
                    };
                    left = Expr::Is { expr: Box::new(left), negated, kind };
                    continue;
                }
                _ => return Ok(left),
            };
            self.bump();
            left = Expr::Bin(op, Box::new(left), Box::new(self.additive()?));
        }
    }

    fn additive(&mut self) -> PResult<Expr> {
        let mut left = self.multiplicative()?;
        loop {
            let op = match self.peek() {
                Tok::Sym("+") => BinOp::Add,
                Tok::Sym("-") => BinOp::Sub,
                _ => return Ok(left),
            };
            self.bump();
            left = Expr::Bin(op, Box::new(left), Box::new(self.multiplicative()?));
        }
    }

    fn multiplicative(&mut self) -> PResult<Expr> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Sym("*") => BinOp::Mul,
                Tok::Sym("/") => BinOp::Div,
                Tok::Sym("%") => BinOp::Mod,
                _ => return Ok(left),
            };
            self.bump();
            left = Expr::Bin(op, Box::new(left), Box::new(self.unary()?));
        }
    }

    fn unary(&mut self) -> PResult<Expr> {
        if self.eat_sym("-") {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(SqlParseError::at(
                    self.pos(),
                    "expression nested too deeply".to_string(),
                ));
            }
            let e = self.unary();
            self.depth -= 1;
            return Ok(match e? {
                Expr::Lit(Value::Int(i)) => Expr::Lit(Value::Int(-i)),
                Expr::Lit(Value::Decimal(d)) => Expr::Lit(Value::Decimal(d.neg())),
                other => Expr::Neg(Box::new(other)),
            });
        }
        if self.eat_sym("+") {
            return self.unary();
        }
        self.postfix()
    }

    fn postfix(&mut self) -> PResult<Expr> {
        let mut e = self.primary()?;
        loop {
            if self.eat_sym(".") {
                let name = match self.peek().clone() {
                    Tok::Word(w) => w,
                    Tok::Str(s) => s,
                    _ => return self.err("a field name after '.'"),
                };
                self.bump();
                e = match e {
                    Expr::Path(mut segs) => {
                        segs.push(Seg::Key(name));
                        Expr::Path(segs)
                    }
                    other => Expr::Member(Box::new(other), name),
                };
            } else if self.eat_sym("[") {
                let index = self.expr()?;
                self.expect_sym("]")?;
                e = match (e, index) {
                    (Expr::Path(mut segs), Expr::Lit(Value::Int(i))) => {
                        segs.push(Seg::Index(i));
                        Expr::Path(segs)
                    }
                    (other, index) => Expr::Index(Box::new(other), Box::new(index)),
                };
            } else {
                return Ok(e);
            }
        }
    }

    fn primary(&mut self) -> PResult<Expr> {
        let pos = self.pos();
        match self.peek().clone() {
            Tok::Number(n) => {
                self.bump();
                number_literal(&n)
                    .ok_or_else(|| SqlParseError::at(pos, format!("invalid number '{n}'")))
            }
            Tok::Str(s) => {
                self.bump();
                Ok(Expr::Lit(Value::String(s)))
            }
            Tok::Sym("*") => {
                self.bump();
                Ok(Expr::Star)
            }
            Tok::Sym("(") => {
                self.bump();
                if self.is_kw("select") {
                    self.need_version(pos, "a nested SELECT")?;
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        return Err(SqlParseError::at(
                            pos,
                            "expression nested too deeply".to_string(),
                        ));
                    }
                    let q = self.query(false);
                    self.depth -= 1;
                    let q = q?;
                    self.expect_sym(")")?;
                    return Ok(Expr::SubQuery(Box::new(q)));
                }
                let e = self.expr()?;
                self.expect_sym(")")?;
                Ok(e)
            }
            Tok::Sym("[") => {
                self.bump();
                self.need_version(pos, "an array literal")?;
                let mut items = Vec::new();
                if !self.eat_sym("]") {
                    loop {
                        items.push(self.expr()?);
                        if self.eat_sym("]") {
                            break;
                        }
                        self.expect_sym(",")?;
                    }
                }
                Ok(Expr::Array(items))
            }
            Tok::Sym("{") => {
                self.bump();
                self.need_version(pos, "an object literal")?;
                let mut members = Vec::new();
                if !self.eat_sym("}") {
                    loop {
                        let key = match self.peek().clone() {
                            Tok::Str(s) => s,
                            Tok::Word(w) => w,
                            _ => return self.err("an object key"),
                        };
                        self.bump();
                        self.expect_sym(":")?;
                        members.push((key, self.expr()?));
                        if self.eat_sym("}") {
                            break;
                        }
                        self.expect_sym(",")?;
                    }
                }
                Ok(Expr::Object(members))
            }
            Tok::Word(w) => {
                let lower = w.to_ascii_lowercase();
                if matches!(self.peek_at(1), Tok::Sym("(")) {
                    self.bump();
                    self.bump();
                    return self.call(&w, &lower, pos);
                }
                match lower.as_str() {
                    "true" => {
                        self.bump();
                        Ok(Expr::Lit(Value::Bool(true)))
                    }
                    "false" => {
                        self.bump();
                        Ok(Expr::Lit(Value::Bool(false)))
                    }
                    "null" => {
                        self.bump();
                        Ok(Expr::Lit(Value::Null))
                    }
                    "case" => {
                        self.bump();
                        self.case(pos)
                    }
                    _ if RESERVED.contains(&lower.as_str()) => self.err("an expression"),
                    _ => {
                        self.bump();
                        Ok(Expr::Path(vec![Seg::Key(w)]))
                    }
                }
            }
            _ => self.err("an expression"),
        }
    }

    fn case(&mut self, pos: Pos) -> PResult<Expr> {
        let operand = self.expr()?;
        let mut whens = Vec::new();
        while self.eat_kw("when") {
            let t = self.expr()?;
            self.expect_kw("then")?;
            whens.push((t, self.expr()?));
        }
        if whens.is_empty() {
            return if self.is_kw("else") || self.is_kw("end") {
                Err(SqlParseError::at(pos, "CASE requires at least one WHEN clause".to_string()))
            } else {
                self.err("WHEN")
            };
        }
        let otherwise = if self.eat_kw("else") { Some(Box::new(self.expr()?)) } else { None };
        self.expect_kw("end")?;
        Ok(Expr::Case { operand: Box::new(operand), whens, otherwise })
    }

    /// After `name(`.
    fn call(&mut self, name: &str, lower: &str, pos: Pos) -> PResult<Expr> {
        if lower == "cast" {
            let e = self.expr()?;
            self.expect_kw("as")?;
            let tpos = self.pos();
            let ty = match self.bump().tok {
                Tok::Word(t) => match t.to_ascii_lowercase().as_str() {
                    "decimal" => CastType::Decimal,
                    "bool" | "boolean" => CastType::Boolean,
                    "string" | "nvarchar" | "text" | "ntext" | "varchar" => CastType::String,
                    "int" => CastType::Int,
                    _ => {
                        return Err(SqlParseError::at(tpos, format!("unknown type '{t}' in cast")));
                    }
                },
                other => {
                    return Err(SqlParseError::at(
                        tpos,
                        format!("expected a type name but found {}", other.describe()),
                    ));
                }
            };
            self.expect_sym(")")?;
            return Ok(Expr::Cast(Box::new(e), ty));
        }
        let func: &'static FuncDef = functions::lookup(lower)
            .ok_or_else(|| SqlParseError::at(pos, format!("unknown function '{name}'")))?;
        if self.version < func.since {
            return Err(SqlParseError::at(
                pos,
                format!(
                    "function '{}' requires SQL version {} or later (this rule uses {})",
                    func.name,
                    func.since.as_str(),
                    self.version.as_str()
                ),
            ));
        }
        let mut args = Vec::new();
        if !self.eat_sym(")") {
            loop {
                args.push(self.expr()?);
                if self.eat_sym(")") {
                    break;
                }
                self.expect_sym(",")?;
            }
        }
        Ok(Expr::Call { func, args })
    }
}

fn number_literal(text: &str) -> Option<Expr> {
    let is_int = text.bytes().all(|b| b.is_ascii_digit());
    if is_int
        && text.len() <= 34
        && let Ok(i) = text.parse::<i128>()
    {
        return Some(Expr::Lit(Value::Int(i)));
    }
    Decimal::parse(text).map(|d| Expr::Lit(Value::Decimal(d)))
}

/// The output key of an unnamed item: the last key of a path, the function's
/// name, or `_N` (the item's 1-based position) for anything else.
fn default_name(e: &Expr, position: usize) -> Vec<String> {
    match e {
        Expr::Path(segs) => match segs.iter().rev().find_map(|s| match s {
            Seg::Key(k) => Some(k.clone()),
            Seg::Index(_) => None,
        }) {
            Some(k) => vec![k],
            None => vec![format!("_{position}")],
        },
        Expr::Member(_, k) => vec![k.clone()],
        Expr::Call { func, .. } => vec![func.name.to_string()],
        _ => vec![format!("_{position}")],
    }
}

/// MQTT topic filter rules: `+` and `#` fill a whole level, `#` only last.
pub fn validate_topic_filter(filter: &str) -> Result<(), String> {
    if filter.is_empty() {
        return Err("the topic filter is empty".to_string());
    }
    let levels: Vec<&str> = filter.split('/').collect();
    for (i, level) in levels.iter().enumerate() {
        if level.contains('#') && (*level != "#" || i != levels.len() - 1) {
            return Err(format!(
                "invalid topic filter '{filter}': '#' must be the last level on its own"
            ));
        }
        if level.contains('+') && *level != "+" {
            return Err(format!("invalid topic filter '{filter}': '+' must be a whole level"));
        }
    }
    Ok(())
}

//! The syntax tree of a parsed IoT SQL query and its expressions.

use super::functions::FuncDef;
use super::value::Value;

#[derive(Clone, Debug)]
pub struct Query {
    pub select: Select,
    pub from: From,
    pub where_: Option<Expr>,
}

#[derive(Clone, Debug)]
pub enum From {
    /// The rule's MQTT topic filter.
    Topic(String),
    /// A nested query's source: an array inside the message (2016-03-23).
    Expr(Expr),
}

#[derive(Clone, Debug)]
pub enum Select {
    /// `SELECT VALUE expr`: the output is the value itself.
    Value(Expr),
    Items(Vec<SelectItem>),
}

#[derive(Clone, Debug)]
pub enum SelectItem {
    /// `*`, or `* AS name` (the whole payload under one key).
    Star { alias: Option<Vec<String>> },
    /// `expr [AS a.b]`; `name` is the output path (the alias, or the field name
    /// the expression reads, or a generated one).
    Expr { expr: Expr, name: Vec<String> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CastType {
    Decimal,
    Boolean,
    String,
    Int,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsKind {
    Null,
    Undefined,
}

/// One step of a path into the message.
#[derive(Clone, Debug)]
pub enum Seg {
    Key(String),
    Index(i128),
}

#[derive(Clone, Debug)]
pub enum Expr {
    Lit(Value),
    /// `a.b[0].c` read from the message (or from the current element of a
    /// nested query); the first segment is always a key.
    Path(Vec<Seg>),
    /// `*` as an operand: the whole payload.
    Star,
    Member(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Is {
        expr: Box<Expr>,
        negated: bool,
        kind: IsKind,
    },
    Case {
        operand: Box<Expr>,
        whens: Vec<(Expr, Expr)>,
        otherwise: Option<Box<Expr>>,
    },
    Call {
        func: &'static FuncDef,
        args: Vec<Expr>,
    },
    Cast(Box<Expr>, CastType),
    Array(Vec<Expr>),
    Object(Vec<(String, Expr)>),
    SubQuery(Box<Query>),
}

impl Expr {
    /// Whether evaluating this reads JSON names from the payload.
    pub fn refers_to_json_names(&self) -> bool {
        let mut found = false;
        self.visit(&mut |e| {
            if matches!(e, Expr::Path(_) | Expr::SubQuery(_)) {
                found = true;
            }
        });
        found
    }

    /// Whether any function in the expression satisfies `pred`.
    pub fn calls(&self, pred: &dyn Fn(&FuncDef) -> bool) -> bool {
        let mut found = false;
        self.visit(&mut |e| {
            if let Expr::Call { func, .. } = e {
                found |= pred(func);
            }
        });
        found
    }

    fn visit(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        match self {
            Expr::Lit(_) | Expr::Path(_) | Expr::Star => {}
            Expr::Member(e, _) | Expr::Neg(e) | Expr::Not(e) | Expr::Cast(e, _) => e.visit(f),
            Expr::Is { expr, .. } => expr.visit(f),
            Expr::Index(a, b) | Expr::And(a, b) | Expr::Or(a, b) | Expr::Bin(_, a, b) => {
                a.visit(f);
                b.visit(f);
            }
            Expr::Case { operand, whens, otherwise } => {
                operand.visit(f);
                for (w, t) in whens {
                    w.visit(f);
                    t.visit(f);
                }
                if let Some(o) = otherwise {
                    o.visit(f);
                }
            }
            Expr::Call { args, .. } | Expr::Array(args) => args.iter().for_each(|a| a.visit(f)),
            Expr::Object(members) => members.iter().for_each(|(_, e)| e.visit(f)),
            Expr::SubQuery(q) => {
                if let From::Expr(e) = &q.from {
                    e.visit(f);
                }
            }
        }
    }
}

//! Policy variables: parsing `iot:...`/`aws:...` names and resolving them against an [`AuthContext`].
//!
//! Names are parsed once when the document is parsed; resolution borrows from the context and
//! never allocates. Rules from the guide ("X.509 Certificate Policy Variables"):
//! * multi-valued attributes give their first value; `#N` picks the N-th (zero-based; the
//!   guide's own example writes `.N`, defect D10, so `.N` is accepted as a synonym); `.List`
//!   gives every value, for `ForAllValues:`/`ForAnyValue:` conditions;
//! * a missing index means no substitution (and so, normally, no match);
//! * certificate arrays are truncated to 5 items;
//! * a value containing `*` or `?`, or longer than 1024 characters, is not substituted.
//!   The guide states these two for certificate attributes; they are applied to every
//!   variable here, because substituting a client id of `*` would turn it into a wildcard.

use super::context::{AlternativeNameKind, AuthContext, CertificateContext, DnAttribute};

/// Certificate arrays keep at most this many items ("Array fields").
pub(crate) const MAX_ARRAY_ITEMS: usize = 5;
/// Longer values are not substituted ("String length").
pub(crate) const MAX_VALUE_CHARS: usize = 1024;

/// Which value of a multi-valued variable is meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Selector {
    First,
    Index(usize),
    List,
}

/// A parsed variable (or condition key) name.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Variable {
    ClientId,
    SourceIp,
    CertificateId,
    CertificateSerialNumber,
    AvailableKeys(Selector),
    Dn {
        issuer: bool,
        attr: DnAttribute,
        selector: Selector,
    },
    AltName {
        issuer: bool,
        kind: AlternativeNameKind,
        selector: Selector,
    },
    ThingName,
    ThingTypeName,
    ThingAttribute(Box<str>),
    ThingIsAttached,
    /// `${*}`, `${?}`, `${$}`: a fixed character.
    Literal(&'static str),
    /// A name this engine does not know: it never resolves (IAM accepts any key).
    Unknown,
}

/// The outcome of substituting one `${...}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lookup<'a> {
    Value(&'a str),
    /// No value in the context (absent field, index past the end): a missing context value.
    Missing,
    /// A value exists but may not be substituted (wildcards, too long, `.List`).
    NotSubstituted,
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

/// Splits a trailing `#N`, `.N` or `.List` off a multi-valued variable name.
fn split_selector(s: &str) -> (&str, Selector) {
    if let Some(base) = strip_suffix_ci(s, ".List") {
        return (base, Selector::List);
    }
    if let Some(pos) = s.rfind(['#', '.']) {
        let digits = &s[pos + 1..];
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            // An absurd index simply never resolves.
            return (&s[..pos], Selector::Index(digits.parse().unwrap_or(usize::MAX)));
        }
    }
    (s, Selector::First)
}

fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    let tail = s.get(cut..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &s[..cut])
}

impl Variable {
    /// Parses a variable name (the text inside `${...}`, or a condition key). Prefixes and
    /// fixed parts are ASCII case-insensitive, as IAM keys are; thing attribute names are not.
    pub(crate) fn parse(name: &str) -> Variable {
        match name {
            "*" => return Variable::Literal("*"),
            "?" => return Variable::Literal("?"),
            "$" => return Variable::Literal("$"),
            _ => {}
        }
        if name.eq_ignore_ascii_case("iot:ClientId") {
            return Variable::ClientId;
        }
        if name.eq_ignore_ascii_case("aws:SourceIp") {
            return Variable::SourceIp;
        }
        if name.eq_ignore_ascii_case("iot:CertificateId") {
            return Variable::CertificateId;
        }
        if let Some(rest) = strip_prefix_ci(name, "iot:Certificate.") {
            return Self::parse_certificate(rest);
        }
        if let Some(rest) = strip_prefix_ci(name, "iot:Connection.Thing.") {
            return Self::parse_thing(rest);
        }
        Variable::Unknown
    }

    fn parse_certificate(rest: &str) -> Variable {
        if rest.eq_ignore_ascii_case("SerialNumber") {
            return Variable::CertificateSerialNumber;
        }
        let (base, selector) = split_selector(rest);
        if base.eq_ignore_ascii_case("AvailableKeys") {
            return Variable::AvailableKeys(selector);
        }
        let (issuer, attr) = if let Some(a) = strip_prefix_ci(base, "Subject.") {
            (false, a)
        } else if let Some(a) = strip_prefix_ci(base, "Issuer.") {
            (true, a)
        } else {
            return Variable::Unknown;
        };
        if let Some(kind) = strip_prefix_ci(attr, "AlternativeName.") {
            return match AlternativeNameKind::from_name(kind) {
                Some(kind) => Variable::AltName { issuer, kind, selector },
                None => Variable::Unknown,
            };
        }
        match DnAttribute::from_name(attr) {
            Some(attr) => Variable::Dn { issuer, attr, selector },
            None => Variable::Unknown,
        }
    }

    fn parse_thing(rest: &str) -> Variable {
        if rest.eq_ignore_ascii_case("ThingName") {
            Variable::ThingName
        } else if rest.eq_ignore_ascii_case("ThingTypeName") {
            Variable::ThingTypeName
        } else if rest.eq_ignore_ascii_case("IsAttached") {
            Variable::ThingIsAttached
        } else if let Some(attr) =
            strip_prefix_ci(rest, "Attributes[").and_then(|a| a.strip_suffix(']'))
        {
            Variable::ThingAttribute(attr.into())
        } else {
            Variable::Unknown
        }
    }

    /// `.List` variables name every value and are meant for set conditions only.
    pub(crate) fn is_list(&self) -> bool {
        matches!(
            self,
            Variable::AvailableKeys(Selector::List)
                | Variable::Dn { selector: Selector::List, .. }
                | Variable::AltName { selector: Selector::List, .. }
        )
    }
}

/// Resolves a variable to one value, before the substitution limits apply.
/// `.List` variables have no single value.
pub(crate) fn lookup<'a>(var: &Variable, ctx: &'a AuthContext) -> Option<&'a str> {
    let cert = || ctx.certificate.as_ref();
    let thing = || ctx.thing.as_ref();
    match var {
        Variable::ClientId => ctx.client_id.as_deref(),
        Variable::SourceIp => ctx.source_ip.as_deref(),
        Variable::CertificateId => cert().map(|c| c.id.as_str()),
        Variable::CertificateSerialNumber => {
            cert().map(|c| c.serial_number.as_str()).filter(|s| !s.is_empty())
        }
        Variable::AvailableKeys(sel) => pick_keys(cert()?, *sel),
        Variable::Dn { issuer, attr, selector } => {
            let c = cert()?;
            let dn = if *issuer { &c.issuer } else { &c.subject };
            pick(dn.get(*attr), *selector)
        }
        Variable::AltName { issuer, kind, selector } => {
            let c = cert()?;
            let names =
                if *issuer { &c.issuer_alternative_names } else { &c.subject_alternative_names };
            pick(names.get(*kind), *selector)
        }
        Variable::ThingName => thing().map(|t| t.name.as_str()),
        Variable::ThingTypeName => thing()?.type_name.as_deref(),
        Variable::ThingAttribute(name) => thing()?.attributes.get(&**name).map(String::as_str),
        Variable::ThingIsAttached => thing().map(|t| if t.is_attached { "true" } else { "false" }),
        Variable::Literal(s) => Some(s),
        Variable::Unknown => None,
    }
}

fn pick(values: &[String], selector: Selector) -> Option<&str> {
    let values = &values[..values.len().min(MAX_ARRAY_ITEMS)];
    match selector {
        Selector::First => values.first(),
        Selector::Index(i) => values.get(i),
        Selector::List => None,
    }
    .map(String::as_str)
}

fn pick_keys(cert: &CertificateContext, selector: Selector) -> Option<&'static str> {
    let mut keys = available_keys(cert);
    match selector {
        Selector::First => keys.next(),
        Selector::Index(i) => keys.nth(i),
        Selector::List => None,
    }
}

/// Substitutes one `${...}`: [`lookup`] plus the guide's limitations.
pub(crate) fn substitute<'a>(var: &Variable, ctx: &'a AuthContext) -> Lookup<'a> {
    if var.is_list() {
        return if has_values(var, ctx) { Lookup::NotSubstituted } else { Lookup::Missing };
    }
    match lookup(var, ctx) {
        None => Lookup::Missing,
        Some(v) if matches!(var, Variable::Literal(_)) => Lookup::Value(v),
        Some(v) if v.contains(['*', '?']) || v.chars().count() > MAX_VALUE_CHARS => {
            Lookup::NotSubstituted
        }
        Some(v) => Lookup::Value(v),
    }
}

/// Is the variable (any selector) present in the context?
pub(crate) fn has_values(var: &Variable, ctx: &AuthContext) -> bool {
    values(var, ctx).next().is_some()
}

/// All values a condition key stands for: every value (at most 5 for certificate arrays)
/// for `.List` keys, otherwise the single value [`lookup`] gives.
pub(crate) fn values<'a>(var: &Variable, ctx: &'a AuthContext) -> Values<'a> {
    if !var.is_list() {
        return Values::One(lookup(var, ctx));
    }
    let Some(cert) = ctx.certificate.as_ref() else {
        return Values::One(None);
    };
    let list = match var {
        Variable::Dn { issuer, attr, .. } => {
            (if *issuer { &cert.issuer } else { &cert.subject }).get(*attr)
        }
        Variable::AltName { issuer, kind, .. } => {
            (if *issuer { &cert.issuer_alternative_names } else { &cert.subject_alternative_names })
                .get(*kind)
        }
        _ => return Values::Keys(available_keys(cert)),
    };
    Values::Slice(list[..list.len().min(MAX_ARRAY_ITEMS)].iter())
}

/// Iterator over the values of a condition key.
#[derive(Debug)]
pub(crate) enum Values<'a> {
    One(Option<&'a str>),
    Slice(std::slice::Iter<'a, String>),
    Keys(AvailableKeys<'a>),
}

impl<'a> Iterator for Values<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        match self {
            Values::One(v) => v.take(),
            Values::Slice(it) => it.next().map(String::as_str),
            Values::Keys(it) => it.next(),
        }
    }
}

/// Where a certificate variable's value comes from, for `iot:Certificate.AvailableKeys`.
#[derive(Debug, Clone, Copy)]
enum CertKey {
    Serial,
    Subject(DnAttribute),
    Issuer(DnAttribute),
    SubjectAlt(AlternativeNameKind),
    IssuerAlt(AlternativeNameKind),
}

macro_rules! cert_keys {
    ($($attr:ident),*; $($alt:ident = $alt_name:literal),*) => {
        &[
            ("iot:Certificate.SerialNumber", CertKey::Serial),
            $((concat!("iot:Certificate.Subject.", stringify!($attr)), CertKey::Subject(DnAttribute::$attr)),)*
            $((concat!("iot:Certificate.Issuer.", stringify!($attr)), CertKey::Issuer(DnAttribute::$attr)),)*
            $((concat!("iot:Certificate.Subject.AlternativeName.", $alt_name),
               CertKey::SubjectAlt(AlternativeNameKind::$alt)),)*
            $((concat!("iot:Certificate.Issuer.AlternativeName.", $alt_name),
               CertKey::IssuerAlt(AlternativeNameKind::$alt)),)*
        ]
    };
}

/// Every certificate variable name, so `AvailableKeys` can borrow `'static` names.
const CERT_KEYS: &[(&str, CertKey)] = cert_keys!(
    DistinguishedNameQualifier, Country, Organization, OrganizationalUnit, State, CommonName,
    SerialNumber, Title, Surname, GivenName, Initials, Pseudonym, GenerationQualifier;
    Rfc822Name = "RFC822Name", DnsName = "DNSName", DirectoryName = "DirectoryName",
    UniformResourceIdentifier = "UniformResourceIdentifier", IpAddress = "IPAddress"
);

/// The names of the certificate variables that have a value (the guide names them only
/// loosely: "the name of all certificate policy variables that contain values"; the full
/// `iot:Certificate.…` names are used, so they compare equal to what a policy writes).
#[derive(Debug)]
pub(crate) struct AvailableKeys<'a> {
    cert: &'a CertificateContext,
    next: usize,
}

fn available_keys(cert: &CertificateContext) -> AvailableKeys<'_> {
    AvailableKeys { cert, next: 0 }
}

impl Iterator for AvailableKeys<'_> {
    type Item = &'static str;
    fn next(&mut self) -> Option<&'static str> {
        while let Some((name, key)) = CERT_KEYS.get(self.next) {
            self.next += 1;
            let c = self.cert;
            let present = match *key {
                CertKey::Serial => !c.serial_number.is_empty(),
                CertKey::Subject(a) => !c.subject.get(a).is_empty(),
                CertKey::Issuer(a) => !c.issuer.get(a).is_empty(),
                CertKey::SubjectAlt(k) => !c.subject_alternative_names.get(k).is_empty(),
                CertKey::IssuerAlt(k) => !c.issuer_alternative_names.get(k).is_empty(),
            };
            if present {
                return Some(name);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::context::{AlternativeNames, DistinguishedName, ThingContext};
    use super::*;

    fn cert_ctx() -> AuthContext {
        let subject = DistinguishedName::default()
            .with(DnAttribute::Country, "US")
            .with(DnAttribute::Country, "CA")
            .with(DnAttribute::CommonName, "dev*ice")
            .with(DnAttribute::Organization, "x".repeat(1025));
        let mut subject = subject;
        for i in 0..7 {
            subject.push(DnAttribute::OrganizationalUnit, format!("ou{i}"));
        }
        AuthContext {
            client_id: Some("c1".into()),
            certificate: Some(CertificateContext {
                id: "abc".into(),
                serial_number: "42".into(),
                subject,
                subject_alternative_names: AlternativeNames::default()
                    .with(AlternativeNameKind::DnsName, "a.example.com"),
                ..CertificateContext::default()
            }),
            ..AuthContext::default()
        }
    }

    fn sub(name: &str, ctx: &AuthContext) -> Option<String> {
        match substitute(&Variable::parse(name), ctx) {
            Lookup::Value(v) => Some(v.to_owned()),
            _ => None,
        }
    }

    #[test]
    fn parses_every_guide_variable() {
        for name in [
            "iot:ClientId",
            "aws:SourceIp",
            "iot:CertificateId",
            "iot:Certificate.SerialNumber",
            "iot:Certificate.AvailableKeys",
            "iot:Certificate.Subject.Country#1",
            "iot:Certificate.Issuer.GenerationQualifier",
            "iot:Certificate.Issuer.AlternativeName.IPAddress",
            "iot:Certificate.Subject.AlternativeName.RFC822Name.List",
            "iot:Connection.Thing.ThingName",
            "iot:Connection.Thing.ThingTypeName",
            "iot:Connection.Thing.Attributes[Manufacturer]",
            "iot:Connection.Thing.IsAttached",
        ] {
            assert_ne!(Variable::parse(name), Variable::Unknown, "{name}");
        }
        assert_eq!(Variable::parse("IOT:clientid"), Variable::ClientId);
        assert_eq!(Variable::parse("iot:Nope"), Variable::Unknown);
        assert_eq!(Variable::parse("iot:Certificate.Subject.Locality"), Variable::Unknown);
        assert_eq!(
            Variable::parse("iot:Certificate.Subject.CommonName.2"),
            Variable::Dn {
                issuer: false,
                attr: DnAttribute::CommonName,
                selector: Selector::Index(2)
            }
        );
        assert_eq!(
            Variable::parse("iot:Certificate.Subject.Organization.List"),
            Variable::Dn {
                issuer: false,
                attr: DnAttribute::Organization,
                selector: Selector::List
            }
        );
    }

    #[test]
    fn multi_value_selection() {
        let ctx = cert_ctx();
        assert_eq!(sub("iot:Certificate.Subject.Country", &ctx).as_deref(), Some("US"));
        assert_eq!(sub("iot:Certificate.Subject.Country#0", &ctx).as_deref(), Some("US"));
        assert_eq!(sub("iot:Certificate.Subject.Country#1", &ctx).as_deref(), Some("CA"));
        assert_eq!(
            substitute(&Variable::parse("iot:Certificate.Subject.Country#2"), &ctx),
            Lookup::Missing
        );
        assert_eq!(
            substitute(&Variable::parse("iot:Certificate.Subject.Country.List"), &ctx),
            Lookup::NotSubstituted
        );
    }

    #[test]
    fn arrays_are_truncated_to_five() {
        let ctx = cert_ctx();
        assert_eq!(
            sub("iot:Certificate.Subject.OrganizationalUnit#4", &ctx).as_deref(),
            Some("ou4")
        );
        assert_eq!(
            substitute(&Variable::parse("iot:Certificate.Subject.OrganizationalUnit#5"), &ctx),
            Lookup::Missing
        );
        let list: Vec<_> =
            values(&Variable::parse("iot:Certificate.Subject.OrganizationalUnit.List"), &ctx)
                .collect();
        assert_eq!(list, ["ou0", "ou1", "ou2", "ou3", "ou4"]);
    }

    #[test]
    fn wildcards_and_long_values_are_not_substituted() {
        let ctx = cert_ctx();
        assert_eq!(
            substitute(&Variable::parse("iot:Certificate.Subject.CommonName"), &ctx),
            Lookup::NotSubstituted
        );
        assert_eq!(
            substitute(&Variable::parse("iot:Certificate.Subject.Organization"), &ctx),
            Lookup::NotSubstituted
        );
        let exactly_1024 = AuthContext::with_client_id("y".repeat(1024));
        assert!(sub("iot:ClientId", &exactly_1024).is_some());
    }

    #[test]
    fn thing_and_basic_variables() {
        let mut ctx = cert_ctx();
        assert_eq!(substitute(&Variable::ThingName, &ctx), Lookup::Missing);
        assert_eq!(substitute(&Variable::ThingIsAttached, &ctx), Lookup::Missing);
        ctx.thing = Some(ThingContext {
            name: "lamp".into(),
            type_name: None,
            attributes: [("Manufacturer".to_owned(), "foo".to_owned())].into(),
            is_attached: false,
        });
        assert_eq!(sub("iot:Connection.Thing.ThingName", &ctx).as_deref(), Some("lamp"));
        assert_eq!(sub("iot:Connection.Thing.IsAttached", &ctx).as_deref(), Some("false"));
        assert_eq!(
            sub("iot:Connection.Thing.Attributes[Manufacturer]", &ctx).as_deref(),
            Some("foo")
        );
        assert_eq!(sub("iot:Connection.Thing.Attributes[manufacturer]", &ctx), None);
        assert_eq!(sub("iot:Connection.Thing.ThingTypeName", &ctx), None);
        assert_eq!(sub("iot:CertificateId", &ctx).as_deref(), Some("abc"));
        assert_eq!(sub("iot:Certificate.SerialNumber", &ctx).as_deref(), Some("42"));
        assert_eq!(sub("aws:SourceIp", &ctx), None);
    }

    #[test]
    fn available_keys_lists_present_certificate_variables() {
        let ctx = cert_ctx();
        let keys: Vec<_> =
            values(&Variable::parse("iot:Certificate.AvailableKeys.List"), &ctx).collect();
        assert_eq!(
            keys,
            [
                "iot:Certificate.SerialNumber",
                "iot:Certificate.Subject.Country",
                "iot:Certificate.Subject.Organization",
                "iot:Certificate.Subject.OrganizationalUnit",
                "iot:Certificate.Subject.CommonName",
                "iot:Certificate.Subject.AlternativeName.DNSName",
            ]
        );
        assert_eq!(
            sub("iot:Certificate.AvailableKeys", &ctx).as_deref(),
            Some("iot:Certificate.SerialNumber")
        );
        assert_eq!(CERT_KEYS.len(), 1 + 13 + 13 + 5 + 5);
    }
}

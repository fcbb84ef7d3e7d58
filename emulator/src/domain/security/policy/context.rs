//! What a policy can see about the caller: client id, source IP, certificate, connection thing.
//!
//! The context is built once per connection (or per API call) and then borrowed by every
//! evaluation, so everything here is owned, plain data that variables resolve into without
//! allocating.

use std::collections::HashMap;

/// Everything policy variables and condition keys can resolve to for one caller.
///
/// Fields left `None` resolve to nothing: the `${...}` text stays in the policy (so the
/// statement normally does not match) and the variable is reported as a missing context value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthContext {
    /// The MQTT client id (`iot:ClientId`).
    pub client_id: Option<String>,
    /// The caller's IP address as text (`aws:SourceIp`); conditions parse it when needed.
    pub source_ip: Option<String>,
    /// The authenticated principal (certificate id, Cognito identity id, ...). Informational:
    /// no variable resolves to it, but callers building TestAuthorization answers carry it here.
    pub principal: Option<String>,
    /// The client certificate, when the caller authenticated with one.
    pub certificate: Option<CertificateContext>,
    /// The thing named by the client id, when it exists in the registry
    /// (`iot:Connection.Thing.*`; only MQTT and MQTT over WebSocket connections have one).
    pub thing: Option<ThingContext>,
}

/// The thing a connection stands for (the thing whose name is the client id).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ThingContext {
    /// `iot:Connection.Thing.ThingName`.
    pub name: String,
    /// `iot:Connection.Thing.ThingTypeName`; `None` when the thing has no type.
    pub type_name: Option<String>,
    /// `iot:Connection.Thing.Attributes[name]`.
    pub attributes: HashMap<String, String>,
    /// `iot:Connection.Thing.IsAttached`: the caller's principal is attached to this thing.
    pub is_attached: bool,
}

/// The attributes of a client certificate that policies can use.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CertificateContext {
    /// `iot:CertificateId`: lowercase hex SHA-256 of the DER.
    pub id: String,
    /// `iot:Certificate.SerialNumber`, in decimal (the guide does not say which notation;
    /// decimal is what a Java `BigInteger` prints, which is what AWS's stack is built on).
    pub serial_number: String,
    /// `iot:Certificate.Subject.<attr>`.
    pub subject: DistinguishedName,
    /// `iot:Certificate.Issuer.<attr>`.
    pub issuer: DistinguishedName,
    /// `iot:Certificate.Subject.AlternativeName.<attr>`.
    pub subject_alternative_names: AlternativeNames,
    /// `iot:Certificate.Issuer.AlternativeName.<attr>`.
    pub issuer_alternative_names: AlternativeNames,
}

macro_rules! name_enum {
    ($(#[$meta:meta])* $enum:ident { $($variant:ident = $name:literal, $oid:literal;)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $enum { $($variant,)* }

        impl $enum {
            /// Every variant, in the guide's order.
            pub const ALL: &'static [$enum] = &[$($enum::$variant,)*];

            /// The name the guide uses in policy variables.
            pub fn name(self) -> &'static str {
                match self { $($enum::$variant => $name,)* }
            }

            /// Looks a guide name up, ignoring ASCII case (IAM keys are case-insensitive).
            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.name().eq_ignore_ascii_case(name))
            }

            /// The X.509 object identifier (or, for alternative names, the GeneralName tag).
            pub fn oid(self) -> &'static str {
                match self { $($enum::$variant => $oid,)* }
            }

            fn index(self) -> usize {
                self as usize
            }
        }
    };
}

name_enum! {
    /// A distinguished-name attribute, named as in the guide's certificate policy variables.
    DnAttribute {
        DistinguishedNameQualifier = "DistinguishedNameQualifier", "2.5.4.46";
        Country = "Country", "2.5.4.6";
        Organization = "Organization", "2.5.4.10";
        OrganizationalUnit = "OrganizationalUnit", "2.5.4.11";
        State = "State", "2.5.4.8";
        CommonName = "CommonName", "2.5.4.3";
        SerialNumber = "SerialNumber", "2.5.4.5";
        Title = "Title", "2.5.4.12";
        Surname = "Surname", "2.5.4.4";
        GivenName = "GivenName", "2.5.4.42";
        Initials = "Initials", "2.5.4.43";
        Pseudonym = "Pseudonym", "2.5.4.65";
        GenerationQualifier = "GenerationQualifier", "2.5.4.44";
    }
}

name_enum! {
    /// A kind of alternative name (GeneralName), named as in the guide.
    AlternativeNameKind {
        Rfc822Name = "RFC822Name", "1";
        DnsName = "DNSName", "2";
        DirectoryName = "DirectoryName", "4";
        UniformResourceIdentifier = "UniformResourceIdentifier", "6";
        IpAddress = "IPAddress", "7";
    }
}

impl DnAttribute {
    /// The attribute whose X.509 object identifier (dotted) is `oid`.
    pub fn from_oid(oid: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.oid() == oid)
    }
}

/// A subject or issuer name: every attribute may carry several values, in certificate order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DistinguishedName {
    values: [Vec<String>; 13],
}

impl DistinguishedName {
    /// All values of `attr`, in certificate order.
    pub fn get(&self, attr: DnAttribute) -> &[String] {
        &self.values[attr.index()]
    }

    /// Appends one value of `attr`.
    pub fn push(&mut self, attr: DnAttribute, value: impl Into<String>) {
        self.values[attr.index()].push(value.into());
    }

    /// Builder form of [`push`](Self::push).
    pub fn with(mut self, attr: DnAttribute, value: impl Into<String>) -> Self {
        self.push(attr, value);
        self
    }
}

/// Subject or issuer alternative names, grouped by kind, in certificate order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlternativeNames {
    values: [Vec<String>; 5],
}

impl AlternativeNames {
    /// All names of `kind`, in certificate order.
    pub fn get(&self, kind: AlternativeNameKind) -> &[String] {
        &self.values[kind.index()]
    }

    /// Appends one name of `kind`.
    pub fn push(&mut self, kind: AlternativeNameKind, value: impl Into<String>) {
        self.values[kind.index()].push(value.into());
    }

    /// Builder form of [`push`](Self::push).
    pub fn with(mut self, kind: AlternativeNameKind, value: impl Into<String>) -> Self {
        self.push(kind, value);
        self
    }
}

impl AuthContext {
    /// A context with nothing in it, for patterns that never use variables (actions).
    pub(crate) const EMPTY: &'static AuthContext = &AuthContext {
        client_id: None,
        source_ip: None,
        principal: None,
        certificate: None,
        thing: None,
    };

    /// A context with only a client id, the common MQTT case before the registry is consulted.
    pub fn with_client_id(client_id: impl Into<String>) -> Self {
        Self { client_id: Some(client_id.into()), ..Self::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_case_insensitively() {
        for attr in DnAttribute::ALL {
            assert_eq!(DnAttribute::from_name(&attr.name().to_ascii_lowercase()), Some(*attr));
            assert_eq!(DnAttribute::from_oid(attr.oid()), Some(*attr));
        }
        for kind in AlternativeNameKind::ALL {
            assert_eq!(AlternativeNameKind::from_name(kind.name()), Some(*kind));
        }
        assert_eq!(DnAttribute::ALL.len(), 13);
        assert_eq!(AlternativeNameKind::from_name("dnsname"), Some(AlternativeNameKind::DnsName));
    }

    #[test]
    fn multi_valued_attributes_keep_order() {
        let dn = DistinguishedName::default()
            .with(DnAttribute::Country, "US")
            .with(DnAttribute::Country, "CA");
        assert_eq!(dn.get(DnAttribute::Country), ["US", "CA"]);
        assert!(dn.get(DnAttribute::CommonName).is_empty());
    }
}

//! Devices in one call: a thing, an active certificate from
//! CreateKeysAndCertificate, a policy attached to it, the certificate attached to
//! the thing; then a connection over mutual TLS as that device.

use anyhow::{Context, Result};

use crate::emulator::Emulator;
use crate::mqtt::MqttClient;

/// A device the emulator knows: its thing, certificate, key and policy.
#[derive(Debug, Clone)]
pub struct Device {
    pub thing_name: String,
    pub thing_arn: String,
    pub certificate_id: String,
    pub certificate_arn: String,
    pub certificate_pem: String,
    pub private_key_pem: String,
    pub policy_name: String,
}

impl Device {
    /// Connects over mutual TLS with the thing name as client id.
    pub async fn connect(&self, emulator: &Emulator) -> Result<MqttClient> {
        self.connect_as(emulator, &self.thing_name).await
    }

    /// Connects over mutual TLS with another client id.
    pub async fn connect_as(&self, emulator: &Emulator, client_id: &str) -> Result<MqttClient> {
        MqttClient::connect_tls(
            client_id,
            emulator.mqtts_addr()?,
            emulator.ca_pem(),
            &self.certificate_pem,
            &self.private_key_pem,
        )
        .await
    }
}

/// The policy a device gets unless told otherwise: it may connect with its thing
/// name as client id, and publish, subscribe and receive on every topic.
pub fn default_policy(thing_arn: &str, thing_name: &str) -> String {
    // arn:aws:iot:REGION:ACCOUNT:thing/NAME → arn:aws:iot:REGION:ACCOUNT
    let prefix = thing_arn.rsplit_once(":thing/").map_or(thing_arn, |(p, _)| p);
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            { "Effect": "Allow", "Action": "iot:Connect", "Resource": format!("{prefix}:client/{thing_name}") },
            { "Effect": "Allow", "Action": ["iot:Publish", "iot:Receive"], "Resource": format!("{prefix}:topic/*") },
            { "Effect": "Allow", "Action": "iot:Subscribe", "Resource": format!("{prefix}:topicfilter/*") },
        ],
    })
    .to_string()
}

/// A device about to be created; see [`Emulator::device`].
#[derive(Debug)]
pub struct DeviceBuilder<'e> {
    emulator: &'e Emulator,
    thing_name: String,
    policy_name: Option<String>,
    policy_document: Option<String>,
}

impl<'e> DeviceBuilder<'e> {
    pub(crate) fn new(emulator: &'e Emulator, thing_name: &str) -> DeviceBuilder<'e> {
        DeviceBuilder {
            emulator,
            thing_name: thing_name.to_owned(),
            policy_name: None,
            policy_document: None,
        }
    }

    /// The policy's name; `<thing name>-policy` by default.
    pub fn policy_name(mut self, name: &str) -> Self {
        self.policy_name = Some(name.to_owned());
        self
    }

    /// The policy document; [`default_policy`] by default.
    pub fn policy_document(mut self, document: &str) -> Self {
        self.policy_document = Some(document.to_owned());
        self
    }

    /// Creates the thing, an active certificate and the policy, attaches the policy
    /// to the certificate and the certificate to the thing.
    pub async fn create(self) -> Result<Device> {
        let iot = self.emulator.iot();
        let name = &self.thing_name;
        let thing = iot
            .create_thing()
            .thing_name(name)
            .send()
            .await
            .with_context(|| format!("CreateThing {name}"))?;
        let thing_arn = thing.thing_arn().context("CreateThing gave no thingArn")?.to_owned();
        let cert = iot
            .create_keys_and_certificate()
            .set_as_active(true)
            .send()
            .await
            .context("CreateKeysAndCertificate")?;
        let certificate_arn = cert.certificate_arn().context("no certificateArn")?.to_owned();
        let policy_name = self.policy_name.unwrap_or_else(|| format!("{name}-policy"));
        let document = self.policy_document.unwrap_or_else(|| default_policy(&thing_arn, name));
        iot.create_policy()
            .policy_name(&policy_name)
            .policy_document(document)
            .send()
            .await
            .with_context(|| format!("CreatePolicy {policy_name}"))?;
        iot.attach_policy()
            .policy_name(&policy_name)
            .target(&certificate_arn)
            .send()
            .await
            .with_context(|| format!("AttachPolicy {policy_name}"))?;
        iot.attach_thing_principal()
            .thing_name(name)
            .principal(&certificate_arn)
            .send()
            .await
            .with_context(|| format!("AttachThingPrincipal {name}"))?;
        let key = cert.key_pair().context("no keyPair")?;
        Ok(Device {
            thing_name: name.clone(),
            thing_arn,
            certificate_id: cert.certificate_id().context("no certificateId")?.to_owned(),
            certificate_arn,
            certificate_pem: cert.certificate_pem().context("no certificatePem")?.to_owned(),
            private_key_pem: key.private_key().context("no PrivateKey")?.to_owned(),
            policy_name,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_is_scoped_to_the_things_account_and_region() {
        let p: serde_json::Value = serde_json::from_str(&default_policy(
            "arn:aws:iot:eu-west-1:123456789012:thing/lamp",
            "lamp",
        ))
        .unwrap();
        assert_eq!(p["Statement"][0]["Resource"], "arn:aws:iot:eu-west-1:123456789012:client/lamp");
        assert_eq!(p["Statement"][1]["Resource"], "arn:aws:iot:eu-west-1:123456789012:topic/*");
        assert_eq!(
            p["Statement"][2]["Resource"],
            "arn:aws:iot:eu-west-1:123456789012:topicfilter/*"
        );
    }
}

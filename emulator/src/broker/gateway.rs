//! The device gateway: the emulator's [`BrokerHooks`]. It authenticates peers
//! (client certificate → registered ACTIVE certificate → its account), enforces AWS
//! IoT policies with the policy engine on connect, publish, subscribe and every
//! delivery, publishes the lifecycle events of the guide (L6267-6392), and feeds
//! accepted messages to the bus.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use bytes::Bytes;
use serde_json::json;

use super::hooks::{
    Action, BrokerHooks, ClientAuth, ClientEvent, ConnectRefusal, ConnectRequest, DisconnectReason,
    Message, MessageProperties, Origin, Peer, Protocol, Publisher, TransportIdentity,
};
use crate::api::sigv4::account_of;
use crate::app::App;
use crate::domain::Scope;
use crate::domain::security::authorization::{parse_documents, policies_in_force};
use crate::domain::security::ca_certificates::just_in_time_register;
use crate::domain::security::certificates::CertificateStatus;
use crate::domain::security::policy::{AuthContext, NamedPolicy, PolicyDocument, decide};
use crate::domain::security::x509;
use crate::domain::{Store, StoreError};

/// The gateway; it holds the app weakly because the app owns the broker that owns it.
pub struct Gateway {
    app: Weak<App>,
    publisher: OnceLock<Weak<dyn Publisher>>,
    /// Session identifiers of the lifecycle events, by scope and client id.
    sessions: Mutex<HashMap<(Scope, String), (String, u64)>>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway").finish_non_exhaustive()
    }
}

/// The policies a connection evaluates, reloaded when the store changed.
struct Cached {
    generation: u64,
    policies: Vec<(String, PolicyDocument)>,
    ctx: AuthContext,
    /// Decisions already taken at this generation, per [`Action`] and topic: a device
    /// publishes and receives on a handful of topics, and each check would otherwise
    /// build the resource ARN and evaluate every statement again. Policies have no
    /// time-dependent condition keys, so a decision holds until the store changes.
    topics: [HashMap<String, bool>; 3],
}

/// Topics remembered per action before the memory starts afresh.
const MAX_REMEMBERED_TOPICS: usize = 1024;

impl Cached {
    fn decide(&self, action: &str, resource: &str) -> bool {
        let named: Vec<NamedPolicy<'_>> =
            self.policies.iter().map(|(n, d)| NamedPolicy { name: n, document: d }).collect();
        decide(&named, action, resource, &self.ctx).is_allowed()
    }

    fn decide_topic(&mut self, scope: &Scope, action: Action, topic: &str) -> bool {
        let (slot, name, kind) = match action {
            Action::Publish => (0, "iot:Publish", "topic/"),
            Action::Subscribe => (1, "iot:Subscribe", "topicfilter/"),
            Action::Receive => (2, "iot:Receive", "topic/"),
        };
        if let Some(&allowed) = self.topics[slot].get(topic) {
            return allowed;
        }
        let (region, account) = (scope.region.as_str(), scope.account.as_str());
        let mut resource = String::with_capacity(
            12 + region.len() + 1 + account.len() + 1 + kind.len() + topic.len(),
        );
        for part in ["arn:aws:iot:", region, ":", account, ":", kind, topic] {
            resource.push_str(part);
        }
        let allowed = self.decide(name, &resource);
        let remembered = &mut self.topics[slot];
        if remembered.len() >= MAX_REMEMBERED_TOPICS {
            remembered.clear();
        }
        remembered.insert(topic.to_owned(), allowed);
        allowed
    }
}

/// A connected device's authorization.
pub struct DeviceAuth {
    app: Weak<App>,
    scope: Scope,
    /// The principal as lifecycle events name it.
    principal: String,
    /// The principal as policies are attached to it (certificate ARN); `None`
    /// means every action is allowed (the plain-TCP default principal, SigV4/IAM).
    policy_principal: Option<String>,
    client_id: String,
    cache: Mutex<Option<Cached>>,
}

impl std::fmt::Debug for DeviceAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceAuth")
            .field("scope", &self.scope)
            .field("principal", &self.principal)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl DeviceAuth {
    /// Evaluates `action` on `resource` against the policies in force now.
    pub(crate) fn allowed(&self, action: &str, resource: &str) -> bool {
        self.with_policies(|c| c.decide(action, resource))
    }

    /// Runs `f` on the policies in force now (loaded again when the store changed);
    /// `false` when they cannot be loaded.
    fn with_policies(&self, f: impl FnOnce(&mut Cached) -> bool) -> bool {
        let Some(principal) = &self.policy_principal else { return true };
        let Some(app) = self.app.upgrade() else { return false };
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let generation = app.store.generation();
        if cache.as_ref().is_none_or(|c| c.generation != generation) {
            let loaded = app.store.read(|tx| {
                policies_in_force(tx, &self.scope, Some(principal), Some(&self.client_id))
            });
            match loaded.and_then(|(docs, ctx)| Ok((parse_documents(docs)?, ctx))) {
                Ok((policies, ctx)) => {
                    *cache = Some(Cached { generation, policies, ctx, topics: Default::default() })
                }
                Err(e) => {
                    tracing::warn!(error = %e, client_id = %self.client_id, "cannot load policies; denying");
                    return false;
                }
            }
        }
        cache.as_mut().is_some_and(f)
    }
}

impl ClientAuth for DeviceAuth {
    fn scope(&self) -> &Scope {
        &self.scope
    }

    fn principal(&self) -> &str {
        &self.principal
    }

    fn authorize(&self, action: Action, topic: &str) -> bool {
        self.with_policies(|c| c.decide_topic(&self.scope, action, topic))
    }
}

/// The authorization of a registered ACTIVE certificate `id` of the app's region,
/// in its owner's account; `client_id` names the connection's thing, if any.
fn registered_certificate(
    app: &App,
    weak: Weak<App>,
    id: &str,
    client_id: &str,
) -> Result<DeviceAuth, ConnectRefusal> {
    let region = &app.config.region;
    let found = app.store.read(|tx| tx.certificates_with_id(region, id)).map_err(store_refusal)?;
    let Some((owner, cert)) = found.into_iter().next() else {
        tracing::info!(certificate = %id, "refused: unknown certificate");
        return Err(ConnectRefusal::BadCredentials);
    };
    if cert.status != CertificateStatus::Active {
        tracing::info!(certificate = %id, status = cert.status.as_str(), "refused: certificate not ACTIVE");
        return Err(ConnectRefusal::BadCredentials);
    }
    let scope = Scope::new(owner, region.clone());
    Ok(DeviceAuth {
        app: weak,
        policy_principal: Some(cert.arn(&scope)),
        scope,
        principal: id.to_owned(),
        client_id: client_id.to_owned(),
        cache: Mutex::new(None),
    })
}

/// The authorization of an HTTPS client presenting certificate `leaf` (the 8443
/// data plane): registered and ACTIVE, no thing (thing variables are MQTT-only).
pub fn https_principal(app: &Arc<App>, leaf: &[u8]) -> Result<DeviceAuth, ConnectRefusal> {
    registered_certificate(app, Arc::downgrade(app), &x509::certificate_id(leaf), "")
}

fn store_refusal(e: StoreError) -> ConnectRefusal {
    tracing::error!(error = %e, "store failure while authenticating");
    ConnectRefusal::ServerUnavailable
}

impl Gateway {
    pub fn new(app: Weak<App>) -> Gateway {
        Gateway { app, publisher: OnceLock::new(), sessions: Mutex::new(HashMap::new()) }
    }

    /// Where lifecycle events go; set once the broker exists.
    pub fn set_publisher(&self, publisher: Weak<dyn Publisher>) {
        let _ = self.publisher.set(publisher);
    }

    fn allow_all(&self, scope: Scope, principal: String, client_id: &str) -> Arc<dyn ClientAuth> {
        Arc::new(DeviceAuth {
            app: self.app.clone(),
            scope,
            principal,
            policy_principal: None,
            client_id: client_id.to_owned(),
            cache: Mutex::new(None),
        })
    }

    /// A connection authenticated by certificate `id`: it must be registered in the
    /// region, ACTIVE, and its policies must allow `iot:Connect` on the client id.
    fn certificate_auth(
        &self,
        app: &App,
        id: &str,
        leaf: Option<&[u8]>,
        connect: &ConnectRequest,
    ) -> Result<Arc<dyn ClientAuth>, ConnectRefusal> {
        let found = registered_certificate(app, self.app.clone(), id, &connect.client_id);
        if let (Err(_), Some(leaf)) = (&found, leaf) {
            // Unknown or PENDING_ACTIVATION: a certificate of an auto-registering CA is
            // registered (or announced again) before the refusal.
            self.just_in_time_registration(app, leaf);
        }
        let auth = found?;
        let resource = auth.scope.arn(&format!("client/{}", connect.client_id));
        if !auth.allowed("iot:Connect", &resource) {
            tracing::info!(certificate = %id, client_id = %connect.client_id, "connection refused: iot:Connect denied");
            return Err(ConnectRefusal::NotAuthorized);
        }
        Ok(Arc::new(auth))
    }

    /// JITR: registers a certificate of an auto-registering CA as PENDING_ACTIVATION
    /// and announces it on `$aws/events/certificates/registered/{caCertificateId}`.
    fn just_in_time_registration(&self, app: &App, leaf: &[u8]) {
        let pending = match just_in_time_register(
            &app.store,
            app.clock.as_ref(),
            app.ids.as_ref(),
            &app.config.region,
            leaf,
        ) {
            Ok(Some(p)) => p,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "just-in-time registration failed");
                return;
            }
        };
        tracing::info!(certificate = %pending.certificate.id, ca = %pending.ca_id, new = pending.newly_registered, "certificate pending activation");
        let payload = json!({
            "certificateId": pending.certificate.id,
            "caCertificateId": pending.ca_id,
            "timestamp": app.clock.now_millis(),
            "certificateStatus": "PENDING_ACTIVATION",
            "awsAccountId": pending.scope.account,
            "certificateRegistrationTimestamp": pending.certificate.created_at,
        });
        let topic = format!("$aws/events/certificates/registered/{}", pending.ca_id);
        self.emit(pending.scope, topic, payload);
    }

    fn lifecycle(&self, scope: Scope, client_id: &str, topic: String, payload: serde_json::Value) {
        // The guide: client ids with `#` or `+` get no lifecycle events.
        if client_id.contains(['#', '+']) {
            return;
        }
        self.emit(scope, topic, payload);
    }

    /// Publishes an event message from the emulator itself.
    fn emit(&self, scope: Scope, topic: String, payload: serde_json::Value) {
        let (Some(app), Some(publisher)) =
            (self.app.upgrade(), self.publisher.get().and_then(Weak::upgrade))
        else {
            return;
        };
        publisher.publish(Message {
            scope,
            topic,
            payload: Bytes::from(payload.to_string()),
            qos: 0,
            retain: false,
            properties: MessageProperties::default(),
            origin: Origin::default(),
            timestamp: app.clock.now_millis(),
        });
    }

    /// The session identifier and connection version of a client; a connection
    /// (`connecting`) bumps the version, its disconnection reports the same one.
    fn session_of(
        &self,
        scope: &Scope,
        client_id: &str,
        new_session: bool,
        connecting: bool,
        ids: &dyn crate::domain::IdGen,
    ) -> (String, u64) {
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        let entry = sessions
            .entry((scope.clone(), client_id.to_owned()))
            .or_insert_with(|| (ids.uuid(), 0));
        if new_session {
            entry.0 = ids.uuid();
        }
        if connecting {
            entry.1 += 1;
        }
        entry.clone()
    }
}

impl Gateway {
    fn subscription_event(
        &self,
        kind: &str,
        scope: Scope,
        client_id: &str,
        principal: String,
        topics: Vec<String>,
        now: i64,
    ) {
        let session = {
            let sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
            sessions
                .get(&(scope.clone(), client_id.to_owned()))
                .map(|s| s.0.clone())
                .unwrap_or_default()
        };
        let payload = json!({
            "clientId": client_id,
            "timestamp": now,
            "eventType": kind,
            "sessionIdentifier": session,
            "principalIdentifier": principal,
            "topics": topics,
        });
        self.lifecycle(
            scope,
            client_id,
            format!("$aws/events/subscriptions/{kind}/{client_id}"),
            payload,
        );
    }
}

fn disconnect_reason(reason: DisconnectReason) -> &'static str {
    match reason {
        DisconnectReason::ClientInitiated => "CLIENT_INITIATED_DISCONNECT",
        DisconnectReason::DuplicateClientId => "DUPLICATE_CLIENTID",
        DisconnectReason::KeepAliveTimeout => "MQTT_KEEP_ALIVE_TIMEOUT",
        DisconnectReason::ConnectionLost => "CONNECTION_LOST",
        DisconnectReason::Forbidden => "FORBIDDEN_ACCESS",
        DisconnectReason::ProtocolError => "CLIENT_ERROR",
        DisconnectReason::ServerInitiated => "SERVER_INITIATED_DISCONNECT",
    }
}

impl BrokerHooks for Gateway {
    fn authenticate(
        &self,
        peer: &Peer,
        connect: &ConnectRequest,
    ) -> Result<Arc<dyn ClientAuth>, ConnectRefusal> {
        let Some(app) = self.app.upgrade() else { return Err(ConnectRefusal::ServerUnavailable) };
        let default_scope = Scope::new(app.config.account_id.clone(), app.config.region.clone());
        match &peer.identity {
            TransportIdentity::Anonymous => {
                let principal = app.config.tcp_principal.trim();
                if principal.is_empty() {
                    Ok(self.allow_all(default_scope, "anonymous".to_owned(), &connect.client_id))
                } else {
                    let id = principal.rsplit('/').next().unwrap_or(principal);
                    self.certificate_auth(&app, id, None, connect)
                }
            }
            TransportIdentity::Certificate { chain } => {
                let Some(leaf) = chain.first() else { return Err(ConnectRefusal::BadCredentials) };
                self.certificate_auth(&app, &x509::certificate_id(leaf), Some(leaf), connect)
            }
            TransportIdentity::SigV4 { access_key, region } => {
                // IAM policies are not modeled: a signed connection may do anything.
                let scope =
                    Scope::new(account_of(access_key, &app.config.account_id), region.clone());
                let principal = format!("{}/{access_key}", scope.account);
                Ok(self.allow_all(scope, principal, &connect.client_id))
            }
        }
    }

    fn on_event(&self, event: ClientEvent) {
        let Some(app) = self.app.upgrade() else { return };
        let now = app.clock.now_millis();
        match event {
            ClientEvent::Connected { scope, client_id, principal, clean_start, peer, protocol } => {
                tracing::info!(client_id = %client_id, principal = %principal, peer = %peer, "connected");
                let (session, version) =
                    self.session_of(&scope, &client_id, clean_start, true, app.ids.as_ref());
                let payload = json!({
                    "clientId": client_id,
                    "timestamp": now,
                    "eventType": "connected",
                    "sessionIdentifier": session,
                    "principalIdentifier": principal,
                    "ipAddress": peer.ip().to_string(),
                    "versionNumber": version,
                    "mqttVersion": if protocol == Protocol::V5 { "5" } else { "3.1.1" },
                });
                self.lifecycle(
                    scope,
                    &client_id,
                    format!("$aws/events/presence/connected/{client_id}"),
                    payload,
                );
            }
            ClientEvent::Disconnected { scope, client_id, principal, reason, client_initiated } => {
                tracing::info!(client_id = %client_id, reason = ?reason, "disconnected");
                let (session, version) =
                    self.session_of(&scope, &client_id, false, false, app.ids.as_ref());
                let payload = json!({
                    "clientId": client_id,
                    "timestamp": now,
                    "eventType": "disconnected",
                    "sessionIdentifier": session,
                    "principalIdentifier": principal,
                    "clientInitiatedDisconnect": client_initiated,
                    "disconnectReason": disconnect_reason(reason),
                    "versionNumber": version,
                });
                self.lifecycle(
                    scope,
                    &client_id,
                    format!("$aws/events/presence/disconnected/{client_id}"),
                    payload,
                );
            }
            ClientEvent::Subscribed { scope, client_id, principal, filters } => {
                self.subscription_event("subscribed", scope, &client_id, principal, filters, now);
            }
            ClientEvent::Unsubscribed { scope, client_id, principal, filters } => {
                self.subscription_event("unsubscribed", scope, &client_id, principal, filters, now);
            }
        }
    }

    fn on_message(&self, message: &Arc<Message>) {
        if let Some(app) = self.app.upgrade() {
            app.bus.published(message);
            crate::services::shadows::on_message(&app, message);
        }
    }

    fn on_delivery(&self, message: &Arc<Message>, client_id: &Arc<str>) {
        if let Some(app) = self.app.upgrade() {
            app.bus.delivered(message, client_id);
        }
    }
}

//! The broker core (DESIGN D1): per-scope topic namespaces (subscription trie, retained
//! messages, sessions), routing of messages to sessions, and the operations the rest of
//! the emulator calls (internal publish, DeleteConnection, retained-message queries).
//! [`Broker::serve`] (in `connection.rs`) runs one client connection.
//!
//! Locking: the scope map is read-locked only to find a scope; each scope has its own
//! `RwLock` on the trie (read on the publish path) and on the retained store, and a
//! mutex on its session registry (taken on connect and disconnect only); each session
//! has its own mutex. No lock is held while calling a hook or awaiting. Lock order:
//! session registry, then a session; the trie is never held while taking another lock.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use tokio::sync::watch;

use super::hooks::{BrokerHooks, DisconnectReason, Message};
use super::session::{Attachment, Delivery, Flow, Kill, QueueLimits, Session, SubOptions};
use super::topics::{self, TopicLimits};
use super::trie::TopicTrie;
use crate::domain::{Clock, Scope, SystemClock};

/// How long a new connection waits for the connection it takes over to finish.
const TAKEOVER_WAIT: Duration = Duration::from_secs(5);

/// Room for the topic, packet id and MQTT 5 properties on top of the payload limit.
const PACKET_OVERHEAD: usize = 64 * 1024;

/// The broker's behaviour switches and limits. The defaults follow today's AWS IoT
/// (DESIGN D5) with the limits AWS documents outside the guide (seed-inventory §2.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerConfig {
    /// The guide's strict 2018 behaviour: a PUBLISH with RETAIN=1 or a CONNECT with clean
    /// session off disconnects the client (L5994, L5996), and a SUBSCRIBE asking QoS 2
    /// gets no SUBACK (L5990). Off: retained messages and persistent sessions work, and
    /// QoS 2 subscriptions are granted QoS 1.
    pub compat_2018: bool,
    /// Largest PUBLISH payload; larger disconnects the client (128 KiB, L12806).
    pub max_payload: usize,
    /// Longest client id in bytes; longer is refused with "identifier rejected".
    pub max_client_id_len: usize,
    /// Longest topic name or filter in bytes.
    pub max_topic_len: usize,
    /// Most forward slashes in a topic name or filter.
    pub max_topic_slashes: usize,
    /// MQTT 3.1.1's `Sensor/#` matches `Sensor`; the guide says it does not (L6238,
    /// DEFECT D2), which is the default.
    pub hash_matches_parent: bool,
    /// QoS 1 messages sent to one client and not yet acknowledged (MQTT 5 clients can
    /// lower it with their receive maximum).
    pub max_inflight: u16,
    /// Messages queued for one session (offline persistent sessions, slow clients);
    /// further messages are dropped. A connected session's publishers wait (see
    /// `session`'s flow control) from three quarters of it.
    pub max_queued_per_session: usize,
    /// How long a new connection may take to send CONNECT.
    pub connect_timeout: Duration,
    /// How long a persistent session outlives its connection (3.1.1 clean session off),
    /// and the cap on an MQTT 5 session expiry interval (AWS IoT: 1 hour by default).
    pub session_expiry: Duration,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            compat_2018: false,
            max_payload: 128 * 1024,
            max_client_id_len: 128,
            max_topic_len: 256,
            max_topic_slashes: 7,
            hash_matches_parent: false,
            max_inflight: 100,
            max_queued_per_session: 1000,
            connect_timeout: Duration::from_secs(5),
            session_expiry: Duration::from_secs(3600),
        }
    }
}

/// One subscription in a scope's trie.
#[derive(Debug, Clone)]
pub(crate) struct Subscriber {
    pub session: Arc<Session>,
    pub options: SubOptions,
}

/// One (account, region) topic namespace.
#[derive(Debug, Default)]
pub(crate) struct ScopeState {
    trie: RwLock<TopicTrie<u64, Subscriber>>,
    retained: RwLock<BTreeMap<String, Arc<Message>>>,
    sessions: Mutex<HashMap<String, Arc<Session>>>,
}

fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Merges the subscriptions of one session into one target (highest QoS, any
/// retain-as-published).
fn merge_same_sessions(targets: &mut Vec<Subscriber>) {
    targets.sort_by_key(|t| t.session.uid);
    targets.dedup_by(|later, kept| {
        if later.session.uid != kept.session.uid {
            return false;
        }
        kept.options.qos = kept.options.qos.max(later.options.qos);
        kept.options.retain_as_published |= later.options.retain_as_published;
        true
    });
}

impl ScopeState {
    pub fn subscribe(&self, filter: &str, session: &Arc<Session>, options: SubOptions) {
        write(&self.trie).insert(
            filter,
            session.uid,
            Subscriber { session: session.clone(), options },
        );
    }

    pub fn unsubscribe(&self, filter: &str, session: &Session) {
        write(&self.trie).remove(filter, &session.uid);
    }

    /// The retained messages a new subscription to `filter` receives.
    pub fn retained_matching(&self, filter: &str, hash_matches_parent: bool) -> Vec<Arc<Message>> {
        read(&self.retained)
            .values()
            .filter(|m| topics::matches(filter, &m.topic, hash_matches_parent))
            .cloned()
            .collect()
    }
}

/// The MQTT broker core. See the module docs and DESIGN D1.
pub struct Broker {
    pub(super) config: BrokerConfig,
    pub(super) queue_limits: QueueLimits,
    pub(super) hooks: Arc<dyn BrokerHooks>,
    pub(super) clock: Arc<dyn Clock>,
    scopes: RwLock<HashMap<Scope, Arc<ScopeState>>>,
    pub(super) shutdown: watch::Sender<bool>,
    pub(super) connected: AtomicUsize,
    next_id: AtomicU64,
}

impl std::fmt::Debug for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broker")
            .field("config", &self.config)
            .field("connected", &self.connected_clients())
            .finish_non_exhaustive()
    }
}

impl Broker {
    pub fn new(config: BrokerConfig, hooks: Arc<dyn BrokerHooks>) -> Arc<Broker> {
        Broker::with_clock(config, hooks, Arc::new(SystemClock))
    }

    /// Like [`Broker::new`], with the clock that stamps client messages (DESIGN D8).
    pub fn with_clock(
        config: BrokerConfig,
        hooks: Arc<dyn BrokerHooks>,
        clock: Arc<dyn Clock>,
    ) -> Arc<Broker> {
        Arc::new(Broker {
            queue_limits: QueueLimits::new(config.max_queued_per_session),
            config,
            hooks,
            clock,
            scopes: RwLock::new(HashMap::new()),
            shutdown: watch::Sender::new(false),
            connected: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
        })
    }

    pub fn config(&self) -> &BrokerConfig {
        &self.config
    }

    /// An internal publish (HTTP Publish, shadow, jobs, lifecycle events): reported to
    /// `hooks.on_message`, retained if `retain` (an empty payload deletes), and delivered
    /// to every matching subscription whose client may receive it. No reserved-topic
    /// check and no size limits; a topic name with wildcards or empty is dropped.
    pub fn publish(&self, message: Message) {
        if let Err(e) = topics::validate_topic_name_syntax(&message.topic) {
            tracing::warn!(topic = %message.topic, error = %e, "internal publish dropped: invalid topic");
            return;
        }
        // Internal publishers (HTTP, shadows, rules, events) do not wait for slow
        // subscribers.
        let _ = self.route(message);
    }

    /// Closes the connection of `client_id` in `scope` (DeleteConnection): `clean_session`
    /// also ends its session, `send_will` publishes its last will. Returns whether the
    /// client was connected. The connection ends asynchronously.
    pub fn disconnect(
        &self,
        scope: &Scope,
        client_id: &str,
        clean_session: bool,
        send_will: bool,
    ) -> bool {
        let Some(ss) = self.existing_scope(scope) else {
            return false;
        };
        let Some(session) = lock(&ss.sessions).get(client_id).cloned() else {
            return false;
        };
        let st = session.lock();
        match &st.conn {
            Some(conn) => conn
                .kill
                .send(Kill {
                    reason: DisconnectReason::ServerInitiated,
                    send_will,
                    clean: clean_session,
                })
                .is_ok(),
            None => false,
        }
    }

    /// The retained messages of a scope, by topic.
    pub fn retained_messages(&self, scope: &Scope) -> Vec<Message> {
        self.existing_scope(scope)
            .map(|ss| read(&ss.retained).values().map(|m| (**m).clone()).collect())
            .unwrap_or_default()
    }

    /// The retained message on `topic`, if any.
    pub fn retained_message(&self, scope: &Scope, topic: &str) -> Option<Message> {
        self.existing_scope(scope)
            .and_then(|ss| read(&ss.retained).get(topic).map(|m| (**m).clone()))
    }

    /// How many clients are connected (CONNACK sent, not yet closed), in all scopes.
    pub fn connected_clients(&self) -> usize {
        self.connected.load(Ordering::SeqCst)
    }

    /// Closes every connection (MQTT 5 clients get DISCONNECT 0x8B, no will is sent) and
    /// refuses new ones.
    pub fn shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    pub fn is_shut_down(&self) -> bool {
        *self.shutdown.borrow()
    }

    pub(super) fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    pub(super) fn topic_limits(&self) -> TopicLimits {
        TopicLimits {
            max_len: self.config.max_topic_len,
            max_slashes: self.config.max_topic_slashes,
        }
    }

    /// The largest remaining length of an incoming packet.
    pub(super) fn max_packet_remaining(&self) -> usize {
        self.config.max_payload.saturating_add(PACKET_OVERHEAD)
    }

    fn existing_scope(&self, scope: &Scope) -> Option<Arc<ScopeState>> {
        read(&self.scopes).get(scope).cloned()
    }

    pub(super) fn scope_state(&self, scope: &Scope) -> Arc<ScopeState> {
        if let Some(ss) = self.existing_scope(scope) {
            return ss;
        }
        write(&self.scopes).entry(scope.clone()).or_default().clone()
    }

    /// The publish path shared by clients, wills and internal publishers. Returns the
    /// connected sessions whose queues passed their high-water mark: a client
    /// publisher waits for them before reading on (internal publishers do not wait).
    pub(super) fn route(&self, message: Message) -> Vec<Arc<Session>> {
        let message = Arc::new(message);
        self.hooks.on_message(&message);
        let ss = self.scope_state(&message.scope);
        if message.retain {
            let mut retained = write(&ss.retained);
            if message.payload.is_empty() {
                retained.remove(&message.topic);
            } else {
                retained.insert(message.topic.clone(), message.clone());
            }
        }
        // One delivery per session, at the highest QoS of its matching subscriptions.
        let mut targets: Vec<Subscriber> = Vec::new();
        read(&ss.trie).for_each_match(&message.topic, self.config.hash_matches_parent, |_, sub| {
            if sub.options.no_local
                && message.origin.client_id.as_deref() == Some(&*sub.session.client_id)
            {
                return;
            }
            targets.push(sub.clone());
        });
        if targets.len() > 1 {
            merge_same_sessions(&mut targets);
        }
        let mut congested = Vec::new();
        for sub in targets {
            let flow = sub.session.deliver(
                Delivery {
                    message: message.clone(),
                    qos: message.qos.min(sub.options.qos).min(1),
                    retain: sub.options.retain_as_published && message.retain,
                },
                self.queue_limits,
            );
            if flow == Flow::Congested {
                congested.push(sub.session);
            }
        }
        congested
    }

    /// Attaches a connection to the session of `client_id`, taking the client id over
    /// from a live connection first (guide L4479, L5995: the older one is disconnected).
    /// Returns the session and whether it was resumed (CONNACK session present).
    pub(super) async fn attach(
        &self,
        ss: &Arc<ScopeState>,
        client_id: &str,
        clean_start: bool,
        expiry: Duration,
        attachment: Attachment,
    ) -> (Arc<Session>, bool) {
        loop {
            let takeover = {
                let mut sessions = lock(&ss.sessions);
                match sessions.get(client_id).cloned() {
                    Some(existing) => {
                        let mut st = existing.lock();
                        if let Some(conn) = &st.conn {
                            let _ = conn.kill.send(Kill {
                                reason: DisconnectReason::DuplicateClientId,
                                send_will: true,
                                clean: false,
                            });
                            Some((existing.clone(), conn.conn_id, conn.closed.clone()))
                        } else if clean_start || st.ended {
                            st.ended = true;
                            st.pending.clear();
                            st.inflight.clear();
                            let old_filters: Vec<String> =
                                st.subscriptions.drain().map(|(f, _)| f).collect();
                            drop(st);
                            let session = self.new_session(client_id, expiry, attachment);
                            sessions.insert(client_id.to_owned(), session.clone());
                            drop(sessions);
                            for filter in &old_filters {
                                ss.unsubscribe(filter, &existing);
                            }
                            return (session, false);
                        } else {
                            st.conn = Some(attachment);
                            st.expiry = expiry;
                            st.generation += 1;
                            // A new connection gets a fresh chance to keep up.
                            st.lagging = false;
                            drop(st);
                            return (existing, true);
                        }
                    }
                    None => {
                        let session = self.new_session(client_id, expiry, attachment);
                        sessions.insert(client_id.to_owned(), session.clone());
                        return (session, false);
                    }
                }
            };
            if let Some((existing, old_conn, mut closed)) = takeover {
                let finished = tokio::time::timeout(TAKEOVER_WAIT, closed.wait_for(|c| *c)).await;
                if finished.is_err() {
                    tracing::warn!(
                        client_id,
                        "connection being taken over did not close in time; detaching it"
                    );
                    let mut st = existing.lock();
                    if st.attached_to(old_conn) {
                        st.conn = None;
                    }
                }
            }
        }
    }

    fn new_session(
        &self,
        client_id: &str,
        expiry: Duration,
        attachment: Attachment,
    ) -> Arc<Session> {
        let session = Session::new(self.next_id(), client_id.into(), expiry);
        {
            let mut st = session.lock();
            st.conn = Some(attachment);
            st.generation = 1;
        }
        session
    }

    /// Ends a session: no more deliveries, out of the registry and the trie.
    pub(super) fn end_session(&self, ss: &ScopeState, session: &Arc<Session>) {
        self.end_session_if(ss, session, |_| true);
    }

    fn end_session_if(
        &self,
        ss: &ScopeState,
        session: &Arc<Session>,
        condition: impl FnOnce(&super::session::SessionState) -> bool,
    ) {
        let filters: Vec<String> = {
            let mut st = session.lock();
            if st.ended || !condition(&st) {
                return;
            }
            st.ended = true;
            st.pending.clear();
            st.inflight.clear();
            st.subscriptions.drain().map(|(f, _)| f).collect()
        };
        session.release_publishers();
        {
            let mut sessions = lock(&ss.sessions);
            if sessions.get(&*session.client_id).is_some_and(|s| Arc::ptr_eq(s, session)) {
                sessions.remove(&*session.client_id);
            }
        }
        for filter in &filters {
            ss.unsubscribe(filter, session);
        }
        tracing::debug!(client_id = %session.client_id, "session ended");
    }

    /// Ends a detached session after `after` unless a client resumed it meanwhile.
    pub(super) fn schedule_expiry(
        self: &Arc<Self>,
        ss: Arc<ScopeState>,
        session: Arc<Session>,
        generation: u64,
        after: Duration,
    ) {
        let broker = Arc::downgrade(self);
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            if let Some(broker) = broker.upgrade() {
                broker.end_session_if(&ss, &session, |st| {
                    st.conn.is_none() && st.generation == generation
                });
            }
        });
    }
}

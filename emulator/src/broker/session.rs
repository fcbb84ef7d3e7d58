//! MQTT sessions: a client's subscriptions, its queue of messages to send, and its QoS 1
//! messages in flight. A session outlives its connection when it is persistent (3.1.1
//! clean session off, MQTT 5 session expiry interval > 0).
//!
//! Delivery never blocks a publisher: [`Session::deliver`] takes only this session's
//! lock, appends to a bounded queue and wakes the connection's writer task. When the
//! queue holds `max_queued_per_session` messages, new deliveries to that session are
//! dropped (QoS 0 silently, QoS 1 with a warning) and the slow client stays connected;
//! while the client is offline only QoS 1 messages are queued (AWS IoT's persistent
//! sessions store QoS 1 only).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{Notify, mpsc, watch};

use super::hooks::{DisconnectReason, Message};

/// The options of one subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SubOptions {
    /// The granted QoS.
    pub qos: u8,
    /// MQTT 5: do not deliver the client's own messages.
    pub no_local: bool,
    /// MQTT 5: keep the RETAIN flag of forwarded messages.
    pub retain_as_published: bool,
}

/// A message on its way to one session.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    pub message: Arc<Message>,
    /// min(publish QoS, granted QoS).
    pub qos: u8,
    /// The RETAIN flag on the wire.
    pub retain: bool,
}

/// An order to close a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Kill {
    pub reason: DisconnectReason,
    pub send_will: bool,
    /// End the session too, whatever its expiry.
    pub clean: bool,
}

/// The connection a session is attached to.
#[derive(Debug)]
pub(crate) struct Attachment {
    pub conn_id: u64,
    /// Wakes the connection's writer task.
    pub notify: Arc<Notify>,
    pub kill: mpsc::UnboundedSender<Kill>,
    /// Turns true (or closes) once the connection has finished (will, events, detach).
    pub closed: watch::Receiver<bool>,
}

#[derive(Debug)]
pub(crate) struct Session {
    /// Unique for the broker's life: the key of this session's subscriptions in the trie.
    pub uid: u64,
    pub client_id: String,
    state: Mutex<SessionState>,
}

#[derive(Debug)]
pub(crate) struct SessionState {
    pub conn: Option<Attachment>,
    pub subscriptions: HashMap<String, SubOptions>,
    /// Messages waiting to be sent, in order.
    pub pending: VecDeque<Delivery>,
    /// QoS 1 messages sent and not acknowledged, in the order they were sent.
    pub inflight: VecDeque<(u16, Delivery)>,
    next_pkid: u16,
    /// How long the session outlives its connection (zero: it ends with it).
    pub expiry: Duration,
    /// Removed from the registry: deliveries are ignored.
    pub ended: bool,
    /// Bumped at every attach, so a stale expiry timer knows it is stale.
    pub generation: u64,
}

impl Session {
    pub fn new(uid: u64, client_id: String, expiry: Duration) -> Arc<Session> {
        Arc::new(Session {
            uid,
            client_id,
            state: Mutex::new(SessionState {
                conn: None,
                subscriptions: HashMap::new(),
                pending: VecDeque::new(),
                inflight: VecDeque::new(),
                next_pkid: 0,
                expiry,
                ended: false,
                generation: 0,
            }),
        })
    }

    pub fn lock(&self) -> MutexGuard<'_, SessionState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a message for this session and wakes its writer (see the module docs for
    /// what happens when the queue is full or the client is offline).
    pub fn deliver(&self, delivery: Delivery, max_queued: usize) {
        let mut st = self.lock();
        if st.ended || (st.conn.is_none() && delivery.qos == 0) {
            return;
        }
        if st.pending.len() >= max_queued {
            if delivery.qos > 0 {
                tracing::warn!(
                    client_id = %self.client_id,
                    topic = %delivery.message.topic,
                    max_queued,
                    "session queue full, QoS 1 message dropped"
                );
            } else {
                tracing::debug!(client_id = %self.client_id, "session queue full, QoS 0 message dropped");
            }
            return;
        }
        st.pending.push_back(delivery);
        if let Some(conn) = &st.conn {
            conn.notify.notify_one();
        }
    }

    /// A PUBACK: frees the in-flight slot.
    pub fn ack(&self, pkid: u16) -> bool {
        let mut st = self.lock();
        let Some(i) = st.inflight.iter().position(|(id, _)| *id == pkid) else {
            return false;
        };
        st.inflight.remove(i);
        if let Some(conn) = &st.conn {
            conn.notify.notify_one();
        }
        true
    }
}

impl SessionState {
    pub fn attached_to(&self, conn_id: u64) -> bool {
        self.conn.as_ref().is_some_and(|c| c.conn_id == conn_id)
    }

    /// A packet id not in flight.
    pub fn alloc_pkid(&mut self) -> u16 {
        loop {
            self.next_pkid = self.next_pkid.checked_add(1).unwrap_or(1);
            let id = self.next_pkid;
            if !self.inflight.iter().any(|(p, _)| *p == id) {
                return id;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::broker::hooks::{MessageProperties, Origin};
    use crate::domain::Scope;

    fn delivery(qos: u8) -> Delivery {
        Delivery {
            message: Arc::new(Message {
                scope: Scope::new("000000000000", "us-east-1"),
                topic: "t".into(),
                payload: Bytes::new(),
                qos,
                retain: false,
                properties: MessageProperties::default(),
                origin: Origin::default(),
                timestamp: 0,
            }),
            qos,
            retain: false,
        }
    }

    #[test]
    fn offline_sessions_queue_qos1_only_and_the_queue_is_bounded() {
        let s = Session::new(1, "c".into(), Duration::ZERO);
        s.deliver(delivery(0), 2);
        s.deliver(delivery(1), 2);
        s.deliver(delivery(1), 2);
        s.deliver(delivery(1), 2);
        assert_eq!(s.lock().pending.len(), 2);
        assert!(s.lock().pending.iter().all(|d| d.qos == 1));
    }

    #[test]
    fn packet_ids_skip_zero_and_ids_in_flight() {
        let s = Session::new(1, "c".into(), Duration::ZERO);
        let mut st = s.lock();
        st.next_pkid = u16::MAX - 1;
        st.inflight.push_back((1, delivery(1)));
        assert_eq!(st.alloc_pkid(), u16::MAX);
        assert_eq!(st.alloc_pkid(), 2);
    }
}

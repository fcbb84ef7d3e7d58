//! MQTT sessions: a client's subscriptions, its queue of messages to send, and its QoS 1
//! messages in flight. A session outlives its connection when it is persistent (3.1.1
//! clean session off, MQTT 5 session expiry interval > 0).
//!
//! [`Session::deliver`] takes only this session's lock, appends to a bounded queue and
//! wakes the connection's writer task; it never blocks. Flow control is the
//! publisher's: when a connected session's queue passes its high-water mark, the
//! delivery reports it congested and the publishing connection stops reading until
//! the queue is back under the low-water mark ([`Session::wait_drained`]), so a fast
//! publisher slows down to its slowest subscriber through TCP, as with a
//! single-threaded broker, instead of losing messages. A subscriber that does not
//! drain within the wait is marked lagging and no longer holds anyone up; once its
//! queue holds `max_queued_per_session` messages, new deliveries to it are dropped
//! (QoS 0 silently, QoS 1 with a warning) and the slow client stays connected. While
//! the client is offline only QoS 1 messages are queued (AWS IoT's persistent sessions
//! store QoS 1 only) and nobody waits for them.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{Notify, mpsc, watch};
use tokio::time::Instant;

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
    pub client_id: Arc<str>,
    state: Mutex<SessionState>,
    /// Signalled when the queue falls under the low-water mark, or the session
    /// loses its connection: publishers held up by this session go on.
    drained: Notify,
}

/// Queue marks for flow control, derived from `max_queued_per_session`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct QueueLimits {
    /// Deliveries beyond this are dropped.
    pub max: usize,
    /// At this length a connected session holds its publishers up.
    pub high: usize,
    /// Under this length they go on.
    pub low: usize,
}

impl QueueLimits {
    pub fn new(max_queued: usize) -> QueueLimits {
        let max = max_queued.max(1);
        QueueLimits { max, high: (max * 3 / 4).max(1), low: (max / 2).max(1) }
    }
}

/// What a delivery asks of the publisher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Go,
    /// The session's queue passed its high-water mark: wait for it to drain.
    Congested,
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
    /// Did not drain while a publisher waited: nobody waits for it until it drains.
    pub lagging: bool,
}

impl Session {
    pub fn new(uid: u64, client_id: Arc<str>, expiry: Duration) -> Arc<Session> {
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
                lagging: false,
            }),
            drained: Notify::new(),
        })
    }

    pub fn lock(&self) -> MutexGuard<'_, SessionState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a message for this session and wakes its writer (see the module docs for
    /// what happens when the queue is full or the client is offline).
    pub fn deliver(&self, delivery: Delivery, limits: QueueLimits) -> Flow {
        let mut st = self.lock();
        if st.ended || (st.conn.is_none() && delivery.qos == 0) {
            return Flow::Go;
        }
        if st.pending.len() >= limits.max {
            if delivery.qos > 0 {
                tracing::warn!(
                    client_id = %self.client_id,
                    topic = %delivery.message.topic,
                    max_queued = limits.max,
                    "session queue full, QoS 1 message dropped"
                );
            } else {
                tracing::debug!(client_id = %self.client_id, "session queue full, QoS 0 message dropped");
            }
            return Flow::Go;
        }
        st.pending.push_back(delivery);
        let Some(conn) = &st.conn else { return Flow::Go };
        conn.notify.notify_one();
        match st.pending.len() >= limits.high && !st.lagging {
            true => Flow::Congested,
            false => Flow::Go,
        }
    }

    /// Takes the next queued message; wakes held-up publishers when the queue falls
    /// under the low-water mark.
    pub fn pop_pending(st: &mut SessionState, session: &Session, low: usize) -> Option<Delivery> {
        let delivery = st.pending.pop_front()?;
        if st.pending.len() + 1 == low {
            st.lagging = false;
            session.drained.notify_waiters();
        }
        Some(delivery)
    }

    /// Wakes publishers held up by this session (it lost its connection or ended).
    pub fn release_publishers(&self) {
        self.drained.notify_waiters();
    }

    /// Waits until the queue is under the low-water mark, the session has no
    /// connection, or `deadline`; at the deadline the session is marked lagging.
    pub async fn wait_drained(&self, low: usize, deadline: Instant) {
        loop {
            let notified = self.drained.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let st = self.lock();
                if st.ended || st.conn.is_none() || st.lagging || st.pending.len() < low {
                    return;
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let mut st = self.lock();
                if st.pending.len() >= low {
                    st.lagging = true;
                    tracing::debug!(client_id = %self.client_id, queued = st.pending.len(), "slow subscriber: publishers no longer wait for it");
                }
                return;
            }
        }
    }

    /// A PUBACK: frees the in-flight slot, and wakes the writer only if messages wait
    /// for a slot (a wake-up per acknowledgement would double the writer's work).
    pub fn ack(&self, pkid: u16) -> bool {
        let mut st = self.lock();
        let Some(i) = st.inflight.iter().position(|(id, _)| *id == pkid) else {
            return false;
        };
        st.inflight.remove(i);
        if !st.pending.is_empty()
            && let Some(conn) = &st.conn
        {
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
        let limits = QueueLimits::new(2);
        for qos in [0, 1, 1, 1] {
            assert_eq!(s.deliver(delivery(qos), limits), Flow::Go, "offline: nobody waits");
        }
        assert_eq!(s.lock().pending.len(), 2);
        assert!(s.lock().pending.iter().all(|d| d.qos == 1));
    }

    fn attach(s: &Session) {
        let (kill, _) = mpsc::unbounded_channel();
        let (_, closed) = watch::channel(false);
        s.lock().conn =
            Some(Attachment { conn_id: 7, notify: Arc::new(Notify::new()), kill, closed });
    }

    #[test]
    fn a_connected_session_past_its_high_water_mark_holds_publishers_up() {
        let s = Session::new(1, "c".into(), Duration::ZERO);
        attach(&s);
        let limits = QueueLimits::new(8);
        assert_eq!((limits.high, limits.low), (6, 4));
        let flows: Vec<Flow> = (0..8).map(|_| s.deliver(delivery(0), limits)).collect();
        assert_eq!(flows.iter().filter(|f| **f == Flow::Congested).count(), 3);
        assert_eq!(flows[5], Flow::Congested);
        s.lock().lagging = true;
        assert_eq!(s.deliver(delivery(0), limits), Flow::Go, "full: dropped, nobody waits");
        assert_eq!(s.lock().pending.len(), 8);
        // Draining under the low-water mark clears the lagging mark.
        let mut st = s.lock();
        while st.pending.len() >= limits.low {
            Session::pop_pending(&mut st, &s, limits.low);
        }
        assert!(!st.lagging);
    }

    #[tokio::test]
    async fn a_waiting_publisher_goes_on_when_the_queue_drains_or_the_wait_ends() {
        let s = Session::new(1, "c".into(), Duration::ZERO);
        attach(&s);
        let limits = QueueLimits::new(8);
        for _ in 0..6 {
            s.deliver(delivery(0), limits);
        }
        let far = Instant::now() + Duration::from_secs(30);
        let waiter = {
            let s = s.clone();
            tokio::spawn(async move { s.wait_drained(limits.low, far).await })
        };
        tokio::task::yield_now().await;
        {
            let mut st = s.lock();
            while Session::pop_pending(&mut st, &s, limits.low).is_some() {}
        }
        tokio::time::timeout(Duration::from_secs(10), waiter).await.unwrap().unwrap();
        // Nobody drains: the wait ends at its deadline and the session is lagging.
        for _ in 0..6 {
            s.deliver(delivery(0), limits);
        }
        s.wait_drained(limits.low, Instant::now() + Duration::from_millis(20)).await;
        assert!(s.lock().lagging);
        assert_eq!(s.deliver(delivery(0), limits), Flow::Go);
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

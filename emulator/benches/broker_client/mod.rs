//! The broker bench's load client: MQTT 3.1.1 written and read directly on a TCP or
//! TLS stream, packets encoded by hand into batches. A general-purpose client library
//! (rumqttc's `AsyncClient`, with a channel and an event loop per client) spent more of
//! the shared 2 cores than the brokers it measured, so every broker ran at the client's
//! pace; this client costs about a microsecond per message, and the brokers set the
//! pace. It speaks only what the bench needs: CONNECT, SUBSCRIBE, PUBLISH at QoS 0 and
//! 1, PUBACK.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::ClientConfig;
use tokio_rustls::rustls::pki_types::ServerName;

/// A byte stream: plain TCP or TLS.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// One connected client: its halves and what was read and not yet parsed.
pub struct Conn {
    pub rd: ReadHalf<Box<dyn Io>>,
    pub wr: WriteHalf<Box<dyn Io>>,
    pub buf: BytesMut,
}

const CONNACK: u8 = 2;
const PUBLISH: u8 = 3;
const PUBACK: u8 = 4;
const SUBACK: u8 = 9;

fn put_remaining_length(out: &mut BytesMut, mut len: usize) {
    loop {
        let mut byte = (len % 128) as u8;
        len /= 128;
        if len > 0 {
            byte |= 0x80;
        }
        out.put_u8(byte);
        if len == 0 {
            return;
        }
    }
}

fn put_str(out: &mut BytesMut, s: &str) {
    out.put_u16(s.len() as u16);
    out.put_slice(s.as_bytes());
}

/// Appends a PUBLISH (no DUP, no RETAIN); `pkid` is used at QoS 1 only.
pub fn put_publish(out: &mut BytesMut, topic: &str, qos: u8, pkid: u16, payload: &[u8]) {
    let remaining = 2 + topic.len() + if qos > 0 { 2 } else { 0 } + payload.len();
    out.put_u8((PUBLISH << 4) | (qos << 1));
    put_remaining_length(out, remaining);
    put_str(out, topic);
    if qos > 0 {
        out.put_u16(pkid);
    }
    out.put_slice(payload);
}

pub fn put_puback(out: &mut BytesMut, pkid: u16) {
    out.put_slice(&[PUBACK << 4, 2]);
    out.put_u16(pkid);
}

/// The next complete packet in `buf`: its first byte and its body.
pub fn next_packet(buf: &mut BytesMut) -> io::Result<Option<(u8, Bytes)>> {
    let mut len = 0usize;
    let mut shift = 0;
    let mut pos = 1;
    loop {
        let Some(&byte) = buf.get(pos) else { return Ok(None) };
        len |= ((byte & 0x7f) as usize) << shift;
        pos += 1;
        if byte & 0x80 == 0 {
            break;
        }
        shift += 7;
        if shift > 21 {
            return Err(io::Error::other("malformed remaining length"));
        }
    }
    if buf.len() < pos + len {
        buf.reserve(pos + len - buf.len());
        return Ok(None);
    }
    let header = buf[0];
    buf.advance(pos);
    Ok(Some((header, buf.split_to(len).freeze())))
}

/// A PUBLISH body: its QoS, packet id (0 at QoS 0) and payload.
pub fn parse_publish(header: u8, body: &Bytes) -> Option<(u8, u16, Bytes)> {
    if header >> 4 != PUBLISH {
        return None;
    }
    let qos = (header >> 1) & 3;
    let topic_len = u16::from_be_bytes([*body.first()?, *body.get(1)?]) as usize;
    let mut at = 2 + topic_len;
    let mut pkid = 0;
    if qos > 0 {
        pkid = u16::from_be_bytes([*body.get(at)?, *body.get(at + 1)?]);
        at += 2;
    }
    (at <= body.len()).then(|| (qos, pkid, body.slice(at..)))
}

/// The packet id of a PUBACK.
pub fn parse_puback(header: u8, body: &Bytes) -> Option<u16> {
    (header >> 4 == PUBACK && body.len() >= 2).then(|| u16::from_be_bytes([body[0], body[1]]))
}

impl Conn {
    /// Connects (TCP_NODELAY, TLS to `localhost` when `tls` is given) and completes
    /// CONNECT / CONNACK with a clean session and a 1200 s keep-alive (subscribers at
    /// QoS 0 send nothing for a whole run; rumqttd refuses a keep-alive of 0).
    pub async fn connect(
        addr: SocketAddr,
        tls: Option<&Arc<ClientConfig>>,
        client_id: &str,
    ) -> io::Result<Conn> {
        let tcp = TcpStream::connect(addr).await?;
        tcp.set_nodelay(true)?;
        let stream: Box<dyn Io> = match tls {
            Some(config) => {
                let name = ServerName::try_from("localhost").expect("a valid name");
                Box::new(TlsConnector::from(config.clone()).connect(name, tcp).await?)
            }
            None => Box::new(tcp),
        };
        let (rd, wr) = tokio::io::split(stream);
        let mut conn = Conn { rd, wr, buf: BytesMut::with_capacity(64 * 1024) };
        let mut out = BytesMut::new();
        let variable = 10 + 2 + client_id.len();
        out.put_u8(0x10);
        put_remaining_length(&mut out, variable);
        put_str(&mut out, "MQTT");
        // Level 4 (3.1.1), clean session, keep-alive 1200 s.
        out.put_u8(4);
        out.put_u8(0x02);
        out.put_u16(1_200);
        put_str(&mut out, client_id);
        conn.wr.write_all(&out).await?;
        let (header, body) = conn.next().await?;
        if header >> 4 != CONNACK || body.get(1) != Some(&0) {
            return Err(io::Error::other(format!("refused: CONNACK {header:02x} {body:02x?}")));
        }
        Ok(conn)
    }

    /// Subscribes to one filter and waits for a SUBACK granting it.
    pub async fn subscribe(&mut self, filter: &str, qos: u8) -> io::Result<()> {
        let mut out = BytesMut::new();
        out.put_u8(0x82);
        put_remaining_length(&mut out, 2 + 2 + filter.len() + 1);
        out.put_u16(1);
        put_str(&mut out, filter);
        out.put_u8(qos);
        self.wr.write_all(&out).await?;
        loop {
            let (header, body) = self.next().await?;
            if header >> 4 == SUBACK {
                return match body.get(2) {
                    Some(code) if *code < 0x80 => Ok(()),
                    other => Err(io::Error::other(format!("SUBACK refused: {other:02x?}"))),
                };
            }
        }
    }

    /// The next packet, reading as needed.
    pub async fn next(&mut self) -> io::Result<(u8, Bytes)> {
        loop {
            if let Some(packet) = next_packet(&mut self.buf)? {
                return Ok(packet);
            }
            if self.rd.read_buf(&mut self.buf).await? == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed by the broker"));
            }
        }
    }
}

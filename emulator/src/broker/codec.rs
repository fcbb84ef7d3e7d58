//! The wire: our own framing (so an oversize packet is refused from its fixed header,
//! before its body is read) on top of `rumqttc::mqttbytes` v4 and v5, and one
//! protocol-neutral view of the packets the core handles.

use bytes::{Bytes, BytesMut};
use rumqttc::mqttbytes::v4;
use rumqttc::v5::mqttbytes::v5;

use super::hooks::{MessageProperties, Protocol};

/// Why a byte stream is not a valid MQTT packet sequence.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FrameError {
    #[error("packet of {0} bytes exceeds the maximum packet size")]
    TooLarge(usize),
    #[error("malformed packet: {0}")]
    Malformed(String),
}

/// Parses the fixed header: `Ok(None)` when more bytes are needed, else
/// `(fixed header length, remaining length)`.
fn fixed_header(buf: &[u8]) -> Result<Option<(usize, usize)>, FrameError> {
    let mut remaining = 0usize;
    for i in 0..4 {
        let Some(&byte) = buf.get(1 + i) else {
            return Ok(None);
        };
        remaining |= ((byte & 0x7f) as usize) << (7 * i);
        if byte & 0x80 == 0 {
            return Ok(Some((2 + i, remaining)));
        }
    }
    Err(FrameError::Malformed("remaining length longer than 4 bytes".into()))
}

/// Splits the next complete packet off `buf`, refusing one whose remaining length
/// exceeds `max_remaining` as soon as its fixed header is known.
pub(crate) fn next_frame(
    buf: &mut BytesMut,
    max_remaining: usize,
) -> Result<Option<BytesMut>, FrameError> {
    let Some((header, remaining)) = fixed_header(buf)? else {
        return Ok(None);
    };
    if remaining > max_remaining {
        return Err(FrameError::TooLarge(header + remaining));
    }
    if buf.len() < header + remaining {
        buf.reserve(header + remaining - buf.len());
        return Ok(None);
    }
    Ok(Some(buf.split_to(header + remaining)))
}

/// The packet type of a buffer's first byte, if any (`1` is CONNECT).
pub(crate) fn packet_type(buf: &[u8]) -> Option<u8> {
    buf.first().map(|b| b >> 4)
}

/// What the protocol name and level of a CONNECT frame say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sniff {
    Supported(Protocol),
    /// An MQTT CONNECT with a level we do not speak (3.1's `MQIsdp`, level 3, ...).
    UnsupportedLevel,
    NotMqtt,
}

/// Reads the protocol level of a complete CONNECT frame (the byte after the name).
pub(crate) fn sniff_connect(frame: &[u8]) -> Sniff {
    let Ok(Some((header, _))) = fixed_header(frame) else {
        return Sniff::NotMqtt;
    };
    let rest = &frame[header..];
    if rest.len() < 2 {
        return Sniff::NotMqtt;
    }
    let name_len = u16::from_be_bytes([rest[0], rest[1]]) as usize;
    let (Some(name), Some(&level)) = (rest.get(2..2 + name_len), rest.get(2 + name_len)) else {
        return Sniff::NotMqtt;
    };
    match (name, level) {
        (b"MQTT", 4) => Sniff::Supported(Protocol::V311),
        (b"MQTT", 5) => Sniff::Supported(Protocol::V5),
        (b"MQTT", _) | (b"MQIsdp", _) => Sniff::UnsupportedLevel,
        _ => Sniff::NotMqtt,
    }
}

/// A last will as CONNECT carried it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Will {
    pub topic: String,
    pub payload: Bytes,
    pub qos: u8,
    pub retain: bool,
    pub properties: MessageProperties,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConnectPacket {
    pub protocol: Protocol,
    pub client_id: String,
    pub clean_start: bool,
    pub keep_alive: u16,
    pub username: Option<String>,
    pub password: Option<Bytes>,
    pub will: Option<Will>,
    /// MQTT 5 only.
    pub session_expiry: Option<u32>,
    pub receive_maximum: Option<u16>,
    pub max_packet_size: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PublishPacket {
    pub topic: String,
    pub payload: Bytes,
    pub qos: u8,
    pub retain: bool,
    pub dup: bool,
    pub pkid: u16,
    pub properties: MessageProperties,
    pub topic_alias: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SubscribeRequest {
    pub filter: String,
    pub qos: u8,
    pub no_local: bool,
    pub retain_as_published: bool,
    /// 0: send retained messages, 1: only for a new subscription, 2: never.
    pub retain_handling: u8,
}

/// A packet from a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Incoming {
    Connect(Box<ConnectPacket>),
    Publish(PublishPacket),
    PubAck(u16),
    /// PUBREC, PUBREL, PUBCOMP: QoS 2 is not supported, they are ignored.
    QoS2Flow,
    Subscribe {
        pkid: u16,
        filters: Vec<SubscribeRequest>,
    },
    Unsubscribe {
        pkid: u16,
        filters: Vec<String>,
    },
    PingReq,
    Disconnect {
        reason: u8,
        session_expiry: Option<u32>,
    },
    /// MQTT 5 AUTH (enhanced authentication is not supported).
    Auth,
    /// A packet only a server sends.
    Unexpected(&'static str),
}

fn props_from_v5(p: Option<v5::PublishProperties>) -> (MessageProperties, Option<u16>) {
    let Some(p) = p else {
        return (MessageProperties::default(), None);
    };
    (
        MessageProperties {
            payload_format_indicator: p.payload_format_indicator,
            message_expiry_interval: p.message_expiry_interval,
            content_type: p.content_type,
            response_topic: p.response_topic,
            correlation_data: p.correlation_data,
            user_properties: p.user_properties,
        },
        p.topic_alias,
    )
}

fn props_to_v5(p: &MessageProperties) -> Option<v5::PublishProperties> {
    if *p == MessageProperties::default() {
        return None;
    }
    Some(v5::PublishProperties {
        payload_format_indicator: p.payload_format_indicator,
        message_expiry_interval: p.message_expiry_interval,
        topic_alias: None,
        response_topic: p.response_topic.clone(),
        correlation_data: p.correlation_data.clone(),
        user_properties: p.user_properties.clone(),
        subscription_identifiers: Vec::new(),
        content_type: p.content_type.clone(),
    })
}

fn utf8(bytes: Bytes) -> Result<String, FrameError> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| FrameError::Malformed("topic is not UTF-8".into()))
}

fn login(username: &str, password: &str) -> (Option<String>, Option<Bytes>) {
    (
        (!username.is_empty()).then(|| username.to_owned()),
        (!password.is_empty()).then(|| Bytes::copy_from_slice(password.as_bytes())),
    )
}

/// Decodes one complete frame (from [`next_frame`]) of the given protocol.
pub(crate) fn decode(protocol: Protocol, mut frame: BytesMut) -> Result<Incoming, FrameError> {
    let bad = |e: &dyn std::fmt::Display| FrameError::Malformed(e.to_string());
    match protocol {
        Protocol::V311 => {
            let packet = v4::Packet::read(&mut frame, usize::MAX).map_err(|e| bad(&e))?;
            Ok(match packet {
                v4::Packet::Connect(c) => {
                    let (username, password) = c
                        .login
                        .as_ref()
                        .map(|l| login(&l.username, &l.password))
                        .unwrap_or((None, None));
                    Incoming::Connect(Box::new(ConnectPacket {
                        protocol: Protocol::V311,
                        client_id: c.client_id,
                        clean_start: c.clean_session,
                        keep_alive: c.keep_alive,
                        username,
                        password,
                        will: c.last_will.map(|w| Will {
                            topic: w.topic,
                            payload: w.message,
                            qos: w.qos as u8,
                            retain: w.retain,
                            properties: MessageProperties::default(),
                        }),
                        session_expiry: None,
                        receive_maximum: None,
                        max_packet_size: None,
                    }))
                }
                v4::Packet::Publish(p) => Incoming::Publish(PublishPacket {
                    topic: p.topic,
                    payload: p.payload,
                    qos: p.qos as u8,
                    retain: p.retain,
                    dup: p.dup,
                    pkid: p.pkid,
                    properties: MessageProperties::default(),
                    topic_alias: None,
                }),
                v4::Packet::PubAck(a) => Incoming::PubAck(a.pkid),
                v4::Packet::PubRec(_) | v4::Packet::PubRel(_) | v4::Packet::PubComp(_) => {
                    Incoming::QoS2Flow
                }
                v4::Packet::Subscribe(s) => Incoming::Subscribe {
                    pkid: s.pkid,
                    filters: s
                        .filters
                        .into_iter()
                        .map(|f| SubscribeRequest {
                            filter: f.path,
                            qos: f.qos as u8,
                            no_local: false,
                            retain_as_published: false,
                            retain_handling: 0,
                        })
                        .collect(),
                },
                v4::Packet::Unsubscribe(u) => {
                    Incoming::Unsubscribe { pkid: u.pkid, filters: u.topics }
                }
                v4::Packet::PingReq => Incoming::PingReq,
                v4::Packet::Disconnect => Incoming::Disconnect { reason: 0, session_expiry: None },
                v4::Packet::ConnAck(_) => Incoming::Unexpected("CONNACK"),
                v4::Packet::SubAck(_) => Incoming::Unexpected("SUBACK"),
                v4::Packet::UnsubAck(_) => Incoming::Unexpected("UNSUBACK"),
                v4::Packet::PingResp => Incoming::Unexpected("PINGRESP"),
            })
        }
        Protocol::V5 => {
            // rumqttc refuses a DISCONNECT without reason code (remaining length 0),
            // which MQTT 5 allows (and rumqttc's own client sends).
            if frame.len() == 2 && frame[0] == 0xE0 && frame[1] == 0 {
                return Ok(Incoming::Disconnect { reason: 0, session_expiry: None });
            }
            let packet = v5::Packet::read(&mut frame, None).map_err(|e| bad(&e))?;
            Ok(match packet {
                v5::Packet::Connect(c, will, login_data) => {
                    let (username, password) = login_data
                        .as_ref()
                        .map(|l| login(&l.username, &l.password))
                        .unwrap_or((None, None));
                    let props = c.properties.unwrap_or_default();
                    let will = match will {
                        Some(w) => Some(Will {
                            topic: utf8(w.topic)?,
                            payload: w.message,
                            qos: w.qos as u8,
                            retain: w.retain,
                            properties: w
                                .properties
                                .map(|p| MessageProperties {
                                    payload_format_indicator: p.payload_format_indicator,
                                    message_expiry_interval: p.message_expiry_interval,
                                    content_type: p.content_type,
                                    response_topic: p.response_topic,
                                    correlation_data: p.correlation_data,
                                    user_properties: p.user_properties,
                                })
                                .unwrap_or_default(),
                        }),
                        None => None,
                    };
                    Incoming::Connect(Box::new(ConnectPacket {
                        protocol: Protocol::V5,
                        client_id: c.client_id,
                        clean_start: c.clean_start,
                        keep_alive: c.keep_alive,
                        username,
                        password,
                        will,
                        session_expiry: props.session_expiry_interval,
                        receive_maximum: props.receive_maximum,
                        max_packet_size: props.max_packet_size,
                    }))
                }
                v5::Packet::Publish(p) => {
                    let (properties, topic_alias) = props_from_v5(p.properties);
                    Incoming::Publish(PublishPacket {
                        topic: utf8(p.topic)?,
                        payload: p.payload,
                        qos: p.qos as u8,
                        retain: p.retain,
                        dup: p.dup,
                        pkid: p.pkid,
                        properties,
                        topic_alias,
                    })
                }
                v5::Packet::PubAck(a) => Incoming::PubAck(a.pkid),
                v5::Packet::PubRec(_) | v5::Packet::PubRel(_) | v5::Packet::PubComp(_) => {
                    Incoming::QoS2Flow
                }
                v5::Packet::Subscribe(s) => Incoming::Subscribe {
                    pkid: s.pkid,
                    filters: s
                        .filters
                        .into_iter()
                        .map(|f| SubscribeRequest {
                            filter: f.path,
                            qos: f.qos as u8,
                            no_local: f.nolocal,
                            retain_as_published: f.preserve_retain,
                            retain_handling: match f.retain_forward_rule {
                                v5::RetainForwardRule::OnEverySubscribe => 0,
                                v5::RetainForwardRule::OnNewSubscribe => 1,
                                v5::RetainForwardRule::Never => 2,
                            },
                        })
                        .collect(),
                },
                v5::Packet::Unsubscribe(u) => {
                    Incoming::Unsubscribe { pkid: u.pkid, filters: u.filters }
                }
                v5::Packet::PingReq(_) => Incoming::PingReq,
                v5::Packet::Disconnect(d) => Incoming::Disconnect {
                    reason: d.reason_code as u8,
                    session_expiry: d.properties.and_then(|p| p.session_expiry_interval),
                },
                v5::Packet::Auth(_) => Incoming::Auth,
                v5::Packet::ConnAck(_) => Incoming::Unexpected("CONNACK"),
                v5::Packet::SubAck(_) => Incoming::Unexpected("SUBACK"),
                v5::Packet::UnsubAck(_) => Incoming::Unexpected("UNSUBACK"),
                v5::Packet::PingResp(_) => Incoming::Unexpected("PINGRESP"),
            })
        }
    }
}

/// The outcome of a CONNECT, mapped to each protocol's CONNACK code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConnackCode {
    Accepted,
    UnsupportedProtocol,
    IdentifierRejected,
    ServerUnavailable,
    BadCredentials,
    NotAuthorized,
    /// MQTT 5 only (3.1.1 clients are just disconnected): the compat-2018 refusals.
    ImplementationSpecific,
    /// MQTT 5 only: a will topic that is not a valid or allowed topic name.
    TopicNameInvalid,
}

/// MQTT 5 CONNACK properties the broker announces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ConnAckProps {
    pub assigned_client_id: Option<String>,
    pub session_expiry: Option<u32>,
    pub receive_maximum: u16,
    pub max_packet_size: u32,
    pub retain_available: bool,
}

/// One SUBACK entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SubCode {
    Granted(u8),
    /// 3.1.1 0x80 / 5 0x8F.
    FilterInvalid,
    /// 3.1.1 0x80 / 5 0x87.
    NotAuthorized,
}

/// A packet to a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Out {
    ConnAck {
        session_present: bool,
        code: ConnackCode,
        props: Option<ConnAckProps>,
    },
    Publish(OutPublish),
    PubAck(u16),
    SubAck {
        pkid: u16,
        codes: Vec<SubCode>,
    },
    UnsubAck {
        pkid: u16,
        existed: Vec<bool>,
    },
    PingResp,
    /// MQTT 5 only; ignored for 3.1.1 (which has no server DISCONNECT).
    Disconnect(v5::DisconnectReasonCode),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutPublish {
    pub topic: String,
    pub payload: Bytes,
    pub qos: u8,
    pub retain: bool,
    pub dup: bool,
    pub pkid: u16,
    pub properties: MessageProperties,
}

fn v4_qos(q: u8) -> rumqttc::mqttbytes::QoS {
    match q {
        0 => rumqttc::mqttbytes::QoS::AtMostOnce,
        _ => rumqttc::mqttbytes::QoS::AtLeastOnce,
    }
}

fn v5_qos(q: u8) -> rumqttc::v5::mqttbytes::QoS {
    match q {
        0 => rumqttc::v5::mqttbytes::QoS::AtMostOnce,
        _ => rumqttc::v5::mqttbytes::QoS::AtLeastOnce,
    }
}

/// Appends the encoding of `out` to `buf`; returns the number of bytes written.
pub(crate) fn encode(
    protocol: Protocol,
    out: &Out,
    buf: &mut BytesMut,
) -> Result<usize, FrameError> {
    let bad = |e: &dyn std::fmt::Display| FrameError::Malformed(e.to_string());
    let start = buf.len();
    match protocol {
        Protocol::V311 => {
            let packet = match out {
                Out::ConnAck { session_present, code, .. } => v4::Packet::ConnAck(v4::ConnAck {
                    session_present: *session_present,
                    code: match code {
                        ConnackCode::Accepted => v4::ConnectReturnCode::Success,
                        ConnackCode::UnsupportedProtocol => {
                            v4::ConnectReturnCode::RefusedProtocolVersion
                        }
                        ConnackCode::IdentifierRejected => v4::ConnectReturnCode::BadClientId,
                        ConnackCode::ServerUnavailable => v4::ConnectReturnCode::ServiceUnavailable,
                        ConnackCode::BadCredentials => v4::ConnectReturnCode::BadUserNamePassword,
                        ConnackCode::NotAuthorized => v4::ConnectReturnCode::NotAuthorized,
                        ConnackCode::ImplementationSpecific | ConnackCode::TopicNameInvalid => {
                            return Ok(0);
                        }
                    },
                }),
                Out::Publish(p) => v4::Packet::Publish(v4::Publish {
                    dup: p.dup,
                    qos: v4_qos(p.qos),
                    retain: p.retain,
                    topic: p.topic.clone(),
                    pkid: p.pkid,
                    payload: p.payload.clone(),
                }),
                Out::PubAck(pkid) => v4::Packet::PubAck(v4::PubAck::new(*pkid)),
                Out::SubAck { pkid, codes } => v4::Packet::SubAck(v4::SubAck::new(
                    *pkid,
                    codes
                        .iter()
                        .map(|c| match c {
                            SubCode::Granted(q) => v4::SubscribeReasonCode::Success(v4_qos(*q)),
                            SubCode::FilterInvalid | SubCode::NotAuthorized => {
                                v4::SubscribeReasonCode::Failure
                            }
                        })
                        .collect(),
                )),
                Out::UnsubAck { pkid, .. } => v4::Packet::UnsubAck(v4::UnsubAck::new(*pkid)),
                Out::PingResp => v4::Packet::PingResp,
                Out::Disconnect(_) => return Ok(0),
            };
            packet.write(buf, usize::MAX).map_err(|e| bad(&e))?;
        }
        Protocol::V5 => {
            let packet = match out {
                Out::ConnAck { session_present, code, props } => v5::Packet::ConnAck(v5::ConnAck {
                    session_present: *session_present,
                    code: match code {
                        ConnackCode::Accepted => v5::ConnectReturnCode::Success,
                        ConnackCode::UnsupportedProtocol => {
                            v5::ConnectReturnCode::UnsupportedProtocolVersion
                        }
                        ConnackCode::IdentifierRejected => {
                            v5::ConnectReturnCode::ClientIdentifierNotValid
                        }
                        ConnackCode::ServerUnavailable => v5::ConnectReturnCode::ServerUnavailable,
                        ConnackCode::BadCredentials => v5::ConnectReturnCode::BadUserNamePassword,
                        ConnackCode::NotAuthorized => v5::ConnectReturnCode::NotAuthorized,
                        ConnackCode::ImplementationSpecific => {
                            v5::ConnectReturnCode::ImplementationSpecificError
                        }
                        ConnackCode::TopicNameInvalid => v5::ConnectReturnCode::TopicNameInvalid,
                    },
                    properties: props.as_ref().map(|p| v5::ConnAckProperties {
                        session_expiry_interval: p.session_expiry,
                        receive_max: Some(p.receive_maximum),
                        // QoS 2 is not supported (guide L5990).
                        max_qos: Some(1),
                        retain_available: Some(p.retain_available as u8),
                        max_packet_size: Some(p.max_packet_size),
                        assigned_client_identifier: p.assigned_client_id.clone(),
                        topic_alias_max: None,
                        reason_string: None,
                        user_properties: Vec::new(),
                        wildcard_subscription_available: Some(1),
                        subscription_identifiers_available: Some(0),
                        shared_subscription_available: Some(0),
                        server_keep_alive: None,
                        response_information: None,
                        server_reference: None,
                        authentication_method: None,
                        authentication_data: None,
                    }),
                }),
                Out::Publish(p) => v5::Packet::Publish(v5::Publish {
                    dup: p.dup,
                    qos: v5_qos(p.qos),
                    retain: p.retain,
                    topic: Bytes::copy_from_slice(p.topic.as_bytes()),
                    pkid: p.pkid,
                    payload: p.payload.clone(),
                    properties: props_to_v5(&p.properties),
                }),
                Out::PubAck(pkid) => v5::Packet::PubAck(v5::PubAck::new(*pkid, None)),
                Out::SubAck { pkid, codes } => v5::Packet::SubAck(v5::SubAck {
                    pkid: *pkid,
                    return_codes: codes
                        .iter()
                        .map(|c| match c {
                            SubCode::Granted(q) => v5::SubscribeReasonCode::Success(v5_qos(*q)),
                            SubCode::FilterInvalid => v5::SubscribeReasonCode::TopicFilterInvalid,
                            SubCode::NotAuthorized => v5::SubscribeReasonCode::NotAuthorized,
                        })
                        .collect(),
                    properties: None,
                }),
                Out::UnsubAck { pkid, existed } => v5::Packet::UnsubAck(v5::UnsubAck {
                    pkid: *pkid,
                    reasons: existed
                        .iter()
                        .map(|e| {
                            if *e {
                                v5::UnsubAckReason::Success
                            } else {
                                v5::UnsubAckReason::NoSubscriptionExisted
                            }
                        })
                        .collect(),
                    properties: None,
                }),
                Out::PingResp => v5::Packet::PingResp(v5::PingResp),
                Out::Disconnect(reason) => {
                    // By hand: rumqttc writes a properties length its remaining length
                    // does not count. Reason code + empty properties is valid MQTT 5 and
                    // what rumqttc's reader expects.
                    buf.extend_from_slice(&[0xE0, 0x02, *reason as u8, 0x00]);
                    return Ok(4);
                }
            };
            packet.write(buf, None).map_err(|e| bad(&e))?;
        }
    }
    Ok(buf.len() - start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame_of(protocol: Protocol, out: &Out) -> BytesMut {
        let mut buf = BytesMut::new();
        encode(protocol, out, &mut buf).unwrap();
        buf
    }

    #[test]
    fn framing_waits_for_complete_packets_and_refuses_large_ones() {
        let mut buf = BytesMut::from(&[0x30u8, 0x85][..]);
        assert!(next_frame(&mut buf, 1000).unwrap().is_none());
        buf.extend_from_slice(&[0x01]); // remaining length 133
        assert!(next_frame(&mut buf, 1000).unwrap().is_none());
        assert!(matches!(next_frame(&mut buf, 100), Err(FrameError::TooLarge(136))));
        let mut bad = BytesMut::from(&[0x30u8, 0xff, 0xff, 0xff, 0xff, 0x01][..]);
        assert!(matches!(next_frame(&mut bad, usize::MAX), Err(FrameError::Malformed(_))));
        let mut ping = BytesMut::from(&[0xC0u8, 0x00, 0xC0][..]);
        assert_eq!(&next_frame(&mut ping, 10).unwrap().unwrap()[..], &[0xC0, 0x00]);
        assert_eq!(&ping[..], &[0xC0]);
    }

    #[test]
    fn sniffs_the_protocol_level() {
        let mut v4c = BytesMut::new();
        v4::Connect::new("c").write(&mut v4c).unwrap();
        assert_eq!(sniff_connect(&v4c), Sniff::Supported(Protocol::V311));
        let mut v5c = BytesMut::new();
        v5::Connect { keep_alive: 10, client_id: "c".into(), clean_start: true, properties: None }
            .write(&None, &None, &mut v5c)
            .unwrap();
        assert_eq!(sniff_connect(&v5c), Sniff::Supported(Protocol::V5));
        let mut v3 = v4c.clone();
        v3[8] = 3;
        assert_eq!(sniff_connect(&v3), Sniff::UnsupportedLevel);
        assert_eq!(sniff_connect(&[0x10, 0x02, 0x00, 0x09]), Sniff::NotMqtt);
        assert_eq!(sniff_connect(b"GET / HTTP/1.1\r\n"), Sniff::NotMqtt);
    }

    #[test]
    fn v5_disconnect_without_reason_code() {
        let frame = BytesMut::from(&[0xE0u8, 0x00][..]);
        assert_eq!(
            decode(Protocol::V5, frame).unwrap(),
            Incoming::Disconnect { reason: 0, session_expiry: None }
        );
    }

    #[test]
    fn publish_round_trip_keeps_v5_properties() {
        let properties = MessageProperties {
            content_type: Some("application/json".into()),
            user_properties: vec![("k".into(), "v".into())],
            ..Default::default()
        };
        let out = Out::Publish(OutPublish {
            topic: "a/b".into(),
            payload: Bytes::from_static(b"hi"),
            qos: 1,
            retain: true,
            dup: false,
            pkid: 7,
            properties: properties.clone(),
        });
        let Incoming::Publish(p) = decode(Protocol::V5, frame_of(Protocol::V5, &out)).unwrap()
        else {
            panic!("not a publish")
        };
        assert_eq!((p.topic.as_str(), p.qos, p.retain, p.pkid), ("a/b", 1, true, 7));
        assert_eq!(p.properties, properties);
        let Incoming::Publish(p) = decode(Protocol::V311, frame_of(Protocol::V311, &out)).unwrap()
        else {
            panic!("not a publish")
        };
        assert_eq!(p.properties, MessageProperties::default());
    }

    #[test]
    fn v5_server_disconnect_is_well_formed() {
        let mut buf =
            frame_of(Protocol::V5, &Out::Disconnect(v5::DisconnectReasonCode::PacketTooLarge));
        assert_eq!(&buf[..], &[0xE0, 0x02, 0x95, 0x00]);
        let packet = v5::Packet::read(&mut buf, None).unwrap();
        assert_eq!(
            packet,
            v5::Packet::Disconnect(v5::Disconnect::new(v5::DisconnectReasonCode::PacketTooLarge))
        );
        assert!(buf.is_empty());
        assert!(
            frame_of(Protocol::V311, &Out::Disconnect(v5::DisconnectReasonCode::PacketTooLarge))
                .is_empty()
        );
    }

    #[test]
    fn connack_codes() {
        let code =
            |p, c| frame_of(p, &Out::ConnAck { session_present: false, code: c, props: None })[3];
        assert_eq!(code(Protocol::V311, ConnackCode::BadCredentials), 4);
        assert_eq!(code(Protocol::V311, ConnackCode::NotAuthorized), 5);
        assert_eq!(code(Protocol::V311, ConnackCode::IdentifierRejected), 2);
        assert_eq!(code(Protocol::V311, ConnackCode::ServerUnavailable), 3);
        assert_eq!(code(Protocol::V5, ConnackCode::BadCredentials), 0x86);
        assert_eq!(code(Protocol::V5, ConnackCode::NotAuthorized), 0x87);
        assert_eq!(code(Protocol::V5, ConnackCode::IdentifierRejected), 0x85);
        assert_eq!(code(Protocol::V5, ConnackCode::ServerUnavailable), 0x88);
    }
}

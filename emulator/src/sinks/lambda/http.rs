//! Lambda functions served over HTTP: the event POSTed as JSON to a local
//! `http://` URL, the response body is the result. A small HTTP/1.0 client over a
//! std socket (the rules engine runs on its own thread, not on the runtime).

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

pub struct HttpFunction {
    host: String,
    port: u16,
    path: String,
    timeout: Duration,
}

/// `http://host[:port][/path]` split into its parts.
fn parse_url(url: &str) -> Result<(String, u16, String), String> {
    let rest = url.strip_prefix("http://").ok_or_else(|| format!("{url} is not an http:// URL"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().map_err(|_| format!("{url} has a bad port"))?),
        None => (authority, 80),
    };
    if host.is_empty() {
        return Err(format!("{url} has no host"));
    }
    Ok((host.to_owned(), port, path.to_owned()))
}

impl HttpFunction {
    pub fn new(url: &str, timeout: Duration) -> Result<HttpFunction, String> {
        let (host, port, path) = parse_url(url)?;
        Ok(HttpFunction { host, port, path, timeout })
    }

    pub fn call(&self, event: &[u8]) -> Result<Vec<u8>, String> {
        let addr = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(|e| e.to_string())?
            .next()
            .ok_or_else(|| format!("{} does not resolve", self.host))?;
        let mut stream = TcpStream::connect_timeout(&addr, self.timeout)
            .map_err(|e| format!("cannot reach the function at {addr}: {e}"))?;
        stream.set_read_timeout(Some(self.timeout)).map_err(|e| e.to_string())?;
        stream.set_write_timeout(Some(self.timeout)).map_err(|e| e.to_string())?;
        // HTTP/1.0: the server closes after the response and never chunks it.
        let head = format!(
            "POST {} HTTP/1.0\r\nHost: {}:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.path,
            self.host,
            self.port,
            event.len()
        );
        stream.write_all(head.as_bytes()).map_err(|e| e.to_string())?;
        stream.write_all(event).map_err(|e| e.to_string())?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).map_err(|e| format!("reading the response: {e}"))?;
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or("the response has no header end")?;
        let head = String::from_utf8_lossy(&response[..split]);
        let status: u16 = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or("the response has no status")?;
        let body = response[split + 4..].to_vec();
        if !(200..300).contains(&status) {
            return Err(format!(
                "The function answered HTTP {status}: {}",
                String::from_utf8_lossy(&body)
            ));
        }
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split() {
        assert_eq!(
            parse_url("http://127.0.0.1:9000/fn").unwrap(),
            ("127.0.0.1".into(), 9000, "/fn".into())
        );
        assert_eq!(parse_url("http://localhost").unwrap(), ("localhost".into(), 80, "/".into()));
        assert!(parse_url("https://x/").is_err());
    }

    #[test]
    fn the_event_is_posted_and_the_body_answers() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut req = Vec::new();
            let mut buf = [0; 4096];
            while !req.ends_with(b"{\"a\":1}") {
                let n = s.read(&mut buf).unwrap();
                assert!(n > 0, "the request ended early");
                req.extend_from_slice(&buf[..n]);
            }
            let req = String::from_utf8(req).unwrap();
            s.write_all(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"ok\":true}")
                .unwrap();
            req
        });
        let f = HttpFunction::new(&format!("http://127.0.0.1:{port}/f"), Duration::from_secs(10))
            .unwrap();
        assert_eq!(f.call(b"{\"a\":1}").unwrap(), b"{\"ok\":true}");
        let req = server.join().unwrap();
        assert!(req.starts_with("POST /f HTTP/1.0\r\n"), "{req}");
        assert!(req.ends_with("\r\n\r\n{\"a\":1}"), "{req}");
    }
}

//! Lambda functions served by a subprocess: the event JSON on its stdin, the
//! result JSON on its stdout, killed when it takes longer than its timeout.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub struct ProcessFunction {
    argv: Vec<String>,
    timeout: Duration,
}

impl ProcessFunction {
    pub fn new(argv: Vec<String>, timeout: Duration) -> Result<ProcessFunction, String> {
        if argv.is_empty() {
            return Err("command must name a program".to_owned());
        }
        Ok(ProcessFunction { argv, timeout })
    }

    pub fn call(&self, event: &[u8]) -> Result<Vec<u8>, String> {
        let mut child = Command::new(&self.argv[0])
            .args(&self.argv[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.argv[0]))?;
        let mut stdin = child.stdin.take().ok_or("no stdin")?;
        let mut stdout = child.stdout.take().ok_or("no stdout")?;
        let mut stderr = child.stderr.take().ok_or("no stderr")?;
        let event = event.to_vec();
        // Writing and reading on their own threads: a function that reads little and
        // writes much cannot deadlock against us, and the wait can time out.
        std::thread::spawn(move || {
            let _ = stdin.write_all(&event);
        });
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut out = Vec::new();
            let mut err = Vec::new();
            let _ = stdout.read_to_end(&mut out);
            let _ = stderr.read_to_end(&mut err);
            let _ = tx.send((out, err));
        });
        match rx.recv_timeout(self.timeout) {
            Ok((out, err)) => {
                let status = child.wait().map_err(|e| e.to_string())?;
                if status.success() {
                    Ok(out)
                } else {
                    Err(format!(
                        "The function exited with {status}: {}",
                        String::from_utf8_lossy(&err).trim()
                    ))
                }
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!("The function timed out after {} ms", self.timeout.as_millis()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_answers_on_stdout() {
        let f = ProcessFunction::new(
            vec!["sh".into(), "-c".into(), "printf '{\"got\":'; cat; printf '}'".into()],
            Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(f.call(b"{\"a\":1}").unwrap(), b"{\"got\":{\"a\":1}}");
    }

    #[test]
    fn failures_and_timeouts_are_errors() {
        let failing = ProcessFunction::new(
            vec!["sh".into(), "-c".into(), "echo bad >&2; exit 3".into()],
            Duration::from_secs(10),
        )
        .unwrap();
        assert!(failing.call(b"{}").unwrap_err().contains("bad"));
        let slow =
            ProcessFunction::new(vec!["sleep".into(), "5".into()], Duration::from_millis(100))
                .unwrap();
        assert_eq!(slow.call(b"{}").unwrap_err(), "The function timed out after 100 ms");
    }
}

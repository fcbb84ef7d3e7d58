//! The `iot-emulator` command: parse flags, load the configuration, start the
//! emulator, print the ready line, serve until SIGINT or SIGTERM.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};
use iot_emulator::Emulator;
use iot_emulator::config::{Config, DEFAULT_TOML, Overrides};

/// A local emulator of AWS IoT Core for tests.
///
/// Once every listener accepts, prints one line on stdout: `ready` and a JSON object
/// of listener name to bound host:port. Logs go to stderr.
#[derive(Debug, Parser)]
#[command(name = "iot-emulator", version)]
struct Cli {
    /// Configuration file (TOML); see `iot-emulator print-config` for every key.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address every listener binds to [IOTEMU_BIND; default 127.0.0.1].
    #[arg(long, value_name = "ADDR")]
    bind: Option<String>,
    /// Host name the server certificate names, besides localhost, 127.0.0.1 and ::1 [IOTEMU_HOSTNAME].
    #[arg(long, value_name = "NAME")]
    hostname: Option<String>,
    /// Port of the HTTP edge; 0 picks a free one [IOTEMU_HTTP_PORT; default 4566].
    #[arg(long, value_name = "PORT")]
    http_port: Option<u16>,
    /// Port of the data plane over mutual TLS (POST /topics/..) [IOTEMU_HTTPS_PORT; default 8443].
    #[arg(long, value_name = "PORT")]
    https_port: Option<u16>,
    /// Port of MQTT over plain TCP; 0 picks a free one [IOTEMU_MQTT_PORT; default 1883].
    #[arg(long, value_name = "PORT")]
    mqtt_port: Option<u16>,
    /// Port of MQTT over mutual TLS; 0 picks a free one [IOTEMU_MQTTS_PORT; default 8883].
    #[arg(long, value_name = "PORT")]
    mqtts_port: Option<u16>,
    /// Port of MQTT over mutual TLS with ALPN x-amzn-mqtt-ca (AWS's 443 style) [IOTEMU_MQTTS_ALPN_PORT; default 4443].
    #[arg(long, value_name = "PORT")]
    mqtts_alpn_port: Option<u16>,
    /// Certificate id plain-TCP MQTT clients act as; empty allows all [IOTEMU_TCP_PRINCIPAL].
    #[arg(long, value_name = "CERT")]
    tcp_principal: Option<String>,
    /// Broker behaviour: current or 2018 (the guide's strict broker) [IOTEMU_COMPAT].
    #[arg(long, value_name = "MODE")]
    compat: Option<String>,
    /// Keep state in a SQLite file in DIR across restarts [IOTEMU_DATA_DIR; default: in memory].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Account of requests whose access key is not a 12-digit account id [IOTEMU_ACCOUNT_ID].
    #[arg(long, value_name = "ID")]
    account_id: Option<String>,
    /// Region of requests without a SigV4 scope [IOTEMU_REGION; default us-east-1].
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// Log filter, e.g. info or iot_emulator=debug [IOTEMU_LOG; default info].
    #[arg(long, value_name = "FILTER")]
    log: Option<String>,
    /// Seconds after deprecation before a thing type may be deleted [IOTEMU_THING_TYPE_DELETE_DELAY_SECONDS; default 300].
    #[arg(long, value_name = "SECONDS")]
    thing_type_delete_delay_seconds: Option<u64>,
    /// TOML file of Lambda backends for the rules engine, one [NAME] table each [IOTEMU_LAMBDA_FUNCTIONS].
    #[arg(long, value_name = "FILE")]
    lambda_functions: Option<String>,
    /// Strict SigV4: ACCESS_KEY:SECRET_KEY pairs (comma-separated) that presigned WebSocket URLs must be signed with [IOTEMU_SIGV4_SECRETS].
    #[arg(long, value_name = "PAIRS")]
    sigv4_secrets: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve (the default).
    Serve,
    /// Print the documented default configuration.
    PrintConfig,
    /// Exit 0 if the emulator configured here answers `GET /_emulator/health` with
    /// 200 within 2 seconds, else 1 (a container HEALTHCHECK: no curl needed).
    Healthcheck,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    if let Some(Command::PrintConfig) = cli.command {
        print!("{DEFAULT_TOML}");
        return Ok(());
    }
    let flags = Overrides {
        bind: cli.bind,
        hostname: cli.hostname,
        http_port: cli.http_port,
        https_port: cli.https_port,
        mqtt_port: cli.mqtt_port,
        mqtts_port: cli.mqtts_port,
        mqtts_alpn_port: cli.mqtts_alpn_port,
        tcp_principal: cli.tcp_principal,
        compat: cli.compat,
        data_dir: cli.data_dir,
        account_id: cli.account_id,
        region: cli.region,
        log: cli.log,
        thing_type_delete_delay_seconds: cli.thing_type_delete_delay_seconds,
        lambda_functions: cli.lambda_functions,
        sigv4_secrets: cli.sigv4_secrets,
    };
    let config = Config::load(cli.config.as_deref(), |k| std::env::var(k).ok(), &flags)?;
    if let Some(Command::Healthcheck) = cli.command {
        match healthcheck(&config) {
            Ok(()) => return Ok(()),
            Err(e) => {
                eprintln!("unhealthy: {e:#}");
                std::process::exit(1);
            }
        }
    }
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_new(&config.log)?)
        .with_writer(std::io::stderr)
        .init();
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(serve(config))
}

async fn serve(config: Config) -> Result<()> {
    let emulator = Emulator::start(config).await?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "ready {}", emulator.endpoints_json())?;
        out.flush()?;
    }
    shutdown_signal().await;
    tracing::info!("shutting down");
    emulator.shutdown().await;
    Ok(())
}

/// One `GET /_emulator/health` over a raw HTTP/1.1 connection to this
/// configuration's HTTP port, on loopback when it binds every address.
fn healthcheck(config: &Config) -> Result<()> {
    use std::io::Read;
    use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
    use std::time::Duration;

    let ip = match config.bind.parse::<IpAddr>() {
        Ok(ip) if ip.is_unspecified() && ip.is_ipv6() => {
            IpAddr::from(std::net::Ipv6Addr::LOCALHOST)
        }
        Ok(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        Ok(ip) => ip,
        Err(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
    };
    let addr = SocketAddr::new(ip, config.http_port);
    let timeout = Duration::from_secs(2);
    let mut stream = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| anyhow::anyhow!("connecting to {addr}: {e}"))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(stream, "GET /_emulator/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).map_err(|e| anyhow::anyhow!("reading from {addr}: {e}"))?;
    // "HTTP/1.1 200"
    if &head[9..12] == b"200" {
        Ok(())
    } else {
        anyhow::bail!("{addr} answered {}", String::from_utf8_lossy(&head))
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return ctrl_c.await.unwrap_or(()),
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

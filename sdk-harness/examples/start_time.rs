//! Measures `Emulator::start()` (in-process, free ports, state in memory): 20 starts
//! one after another, each shut down before the next; prints min, median, p95, max.
//!   cargo run -p iot-emulator-harness --example start_time [--release]

use std::time::{Duration, Instant};

use iot_emulator_harness::Emulator;

const STARTS: usize = 20;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    // One start first: it pays for lazy statics (crypto provider, regexes) once.
    Emulator::start().await?.shutdown().await?;
    let mut times: Vec<Duration> = Vec::with_capacity(STARTS);
    for _ in 0..STARTS {
        let started = Instant::now();
        let emulator = Emulator::start().await?;
        times.push(started.elapsed());
        emulator.shutdown().await?;
    }
    times.sort();
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    println!(
        "Emulator::start() over {STARTS} starts: min {}, median {}, p95 {}, max {}",
        ms(times[0]),
        ms(times[STARTS / 2]),
        ms(times[STARTS * 95 / 100]),
        ms(times[STARTS - 1])
    );
    Ok(())
}

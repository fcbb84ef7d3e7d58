//! IoT SQL benchmark: parses per second and evaluations per second on one core
//! for a typical rule. Prints figures; asserts only that the results are the
//! expected ones.

use std::hint::black_box;
use std::time::{Duration, Instant};

use iot_emulator::domain::rules::sql::{
    MessageInput, ParsedPayload, RuleOutput, SqlVersion, StaticEnvironment, Template, parse,
};

const RULE: &str =
    "SELECT temperature, humidity, topic(2) AS device FROM 'sensors/+/data' WHERE temperature > 30";
const PAYLOAD: &[u8] = br#"{"temperature": 31.5, "humidity": 80, "battery": 3.7, "fw": "1.4.2"}"#;

/// Nanoseconds this thread has spent on a CPU (Linux schedstat), so the rate
/// is per core even when other processes share the machine.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Runs `f` repeatedly for about `budget` of wall time and returns operations
/// per second of wall time and per second of this thread's CPU time.
fn rate(budget: Duration, mut f: impl FnMut()) -> (f64, Option<f64>) {
    for _ in 0..1000 {
        f();
    }
    let start = Instant::now();
    let cpu_start = thread_cpu_ns();
    let mut n: u64 = 0;
    while start.elapsed() < budget {
        for _ in 0..1000 {
            f();
        }
        n += 1000;
    }
    let wall = n as f64 / start.elapsed().as_secs_f64();
    let cpu = match (cpu_start, thread_cpu_ns()) {
        (Some(a), Some(b)) if b > a => Some(n as f64 / ((b - a) as f64 / 1e9)),
        _ => None,
    };
    (wall, cpu)
}

fn show(label: &str, (wall, cpu): (f64, Option<f64>), what: &str) {
    let cpu = cpu.map_or("n/a".to_string(), |c| format!("{c:.0}"));
    println!("  {label:<32} {wall:>10.0} /s wall  {cpu:>10} /s per CPU-second  {what}");
}

fn main() {
    let budget = Duration::from_secs(3);
    let env = StaticEnvironment::default();
    let stmt = parse(RULE, SqlVersion::V2016_03_23).expect("rule parses");
    let input = MessageInput {
        topic: "sensors/dev-7/data",
        payload: PAYLOAD,
        client_id: Some("dev-7"),
        principal: None,
        timestamp_ms: 1_700_000_000_000,
        account: "123456789012",
        region: "us-east-1",
        trace_id: None,
    };
    let out = stmt.evaluate(&input, &env).unwrap().unwrap();
    assert_eq!(
        out,
        RuleOutput::Json(
            serde_json::json!({"temperature": 31.5, "humidity": 80, "device": "dev-7"})
        )
    );
    let cold = MessageInput { payload: br#"{"temperature": 20, "humidity": 80}"#, ..input };
    assert_eq!(stmt.evaluate(&cold, &env).unwrap(), None);
    let template = Template::parse("telemetry/${topic(2)}/${timestamp()}").unwrap();
    assert_eq!(template.render(&input, &env), "telemetry/dev-7/1700000000000");

    let parses = rate(budget, || {
        black_box(parse(black_box(RULE), SqlVersion::V2016_03_23).unwrap());
    });
    let evals = rate(budget, || {
        black_box(stmt.evaluate(black_box(&input), &env).unwrap());
    });
    let parsed = ParsedPayload::parse(PAYLOAD);
    let evals_parsed = rate(budget, || {
        black_box(stmt.evaluate_parsed(black_box(&parsed), &input, &env).unwrap());
    });
    let filtered = rate(budget, || {
        black_box(stmt.evaluate(black_box(&cold), &env).unwrap());
    });
    let renders = rate(budget, || {
        black_box(template.render(black_box(&input), &env));
    });
    println!("iot_sql rule: {RULE}");
    show("parse", parses, "");
    show("evaluate (JSON parse included)", evals, "(WHERE true, 3-key output)");
    show("evaluate (payload pre-parsed)", evals_parsed, "");
    show("evaluate, WHERE false", filtered, "");
    show("template render", renders, "(telemetry/${topic(2)}/${timestamp()})");
}

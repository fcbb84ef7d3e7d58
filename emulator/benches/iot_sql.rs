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

/// Runs `f` repeatedly for about `budget` and returns operations per second.
fn rate(budget: Duration, mut f: impl FnMut()) -> f64 {
    for _ in 0..1000 {
        f();
    }
    let start = Instant::now();
    let mut n: u64 = 0;
    while start.elapsed() < budget {
        for _ in 0..1000 {
            f();
        }
        n += 1000;
    }
    n as f64 / start.elapsed().as_secs_f64()
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
    println!("  parse:                          {parses:>12.0} /s");
    println!("  evaluate (JSON parse included): {evals:>12.0} /s  (WHERE true, 3-key output)");
    println!("  evaluate (payload pre-parsed):  {evals_parsed:>12.0} /s");
    println!("  evaluate, WHERE false:          {filtered:>12.0} /s");
    println!(
        "  template render:                {renders:>12.0} /s  (telemetry/${{topic(2)}}/${{timestamp()}})"
    );
}

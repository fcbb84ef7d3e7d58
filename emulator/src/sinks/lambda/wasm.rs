//! Lambda functions as WebAssembly modules run by wasmtime, with a small ABI: the
//! module exports `memory`, `alloc(len: i32) -> i32` and `handle(ptr: i32, len: i32)
//! -> i64`; the event JSON is written at `alloc`'s pointer and `handle` answers
//! `(out_ptr << 32) | out_len` of the result JSON. No imports (no WASI); each
//! invocation runs in a fresh instance with a fuel budget, so a loop ends in an
//! error instead of a hang.

use std::sync::OnceLock;

use wasmtime::{Config, Engine, Instance, Module, Store, StoreLimits, StoreLimitsBuilder, Trap};

/// Memory one invocation may grow to.
const MAX_MEMORY_BYTES: usize = 64 << 20;

fn engine() -> Result<&'static Engine, String> {
    static ENGINE: OnceLock<Result<Engine, String>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let mut config = Config::new();
            config.consume_fuel(true);
            Engine::new(&config).map_err(|e| format!("cannot start wasmtime: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

pub struct WasmFunction {
    module: Module,
    fuel: u64,
}

impl WasmFunction {
    /// Compiles a module from WAT text or WASM bytes.
    pub fn new(bytes: &[u8], fuel: u64) -> Result<WasmFunction, String> {
        let module = Module::new(engine()?, bytes).map_err(|e| format!("invalid module: {e:#}"))?;
        Ok(WasmFunction { module, fuel })
    }

    pub fn call(&self, event: &[u8]) -> Result<Vec<u8>, String> {
        let limits = StoreLimitsBuilder::new().memory_size(MAX_MEMORY_BYTES).build();
        let mut store: Store<StoreLimits> = Store::new(engine()?, limits);
        store.limiter(|l| l);
        store.set_fuel(self.fuel).map_err(|e| e.to_string())?;
        let run = |store: &mut Store<StoreLimits>| -> wasmtime::Result<Vec<u8>> {
            let instance = Instance::new(&mut *store, &self.module, &[])?;
            let memory = instance
                .get_memory(&mut *store, "memory")
                .ok_or_else(|| wasmtime::Error::msg("the module exports no memory"))?;
            let alloc = instance.get_typed_func::<i32, i32>(&mut *store, "alloc")?;
            let handle = instance.get_typed_func::<(i32, i32), i64>(&mut *store, "handle")?;
            let len = i32::try_from(event.len())
                .map_err(|_| wasmtime::Error::msg("the event is too large"))?;
            let ptr = alloc.call(&mut *store, len)?;
            memory.write(&mut *store, ptr as u32 as usize, event)?;
            let packed = handle.call(&mut *store, (ptr, len))? as u64;
            let (out_ptr, out_len) = ((packed >> 32) as usize, (packed & 0xffff_ffff) as usize);
            let mut out = vec![0; out_len];
            memory.read(&*store, out_ptr, &mut out)?;
            Ok(out)
        };
        run(&mut store).map_err(|e| match e.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel) => {
                format!("The function ran out of fuel ({} units)", self.fuel)
            }
            Some(trap) => format!("The function trapped: {trap}"),
            None => format!("The function failed: {e:#}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/../fixtures/lambdas/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn a_wat_lambda_transforms_an_event() {
        let f = WasmFunction::new(&fixture("wrap.wat"), 1_000_000).unwrap();
        let out = f.call(br#"{"temperature":21}"#).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v, serde_json::json!({"wrapped": {"temperature": 21}, "by": "wasm"}));
    }

    #[test]
    fn running_out_of_fuel_is_an_error_not_a_hang() {
        let f = WasmFunction::new(&fixture("spin.wat"), 100_000).unwrap();
        assert_eq!(f.call(b"{}").unwrap_err(), "The function ran out of fuel (100000 units)");
    }

    #[test]
    fn modules_without_the_abi_are_refused_at_call_time_and_bad_text_at_load() {
        let f = WasmFunction::new(b"(module)", 1000).unwrap();
        assert!(f.call(b"{}").unwrap_err().contains("memory"));
        assert!(WasmFunction::new(b"(module (oops))", 1000).is_err());
    }
}

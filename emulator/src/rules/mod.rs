//! The rules service on the bus: every accepted message is handed (off the publish
//! path, through a channel) to one worker thread that evaluates each enabled rule
//! whose FROM filter matches (or the one rule a Basic Ingest topic names) and runs
//! its actions into the sinks. Compiled rules are cached and reloaded when the
//! rule API changes them or the store changes under them.

mod effects;
mod fire;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, RwLock, Weak};

use crate::app::App;
use crate::broker::hooks::Message;
use crate::domain::Scope;
use crate::domain::Store;
use crate::domain::rules::compiled::{CompiledRule, compile_rule};
use crate::domain::rules::topic_rules::TopicRule;

/// A rule as the worker runs it.
pub struct LoadedRule {
    pub rule: TopicRule,
    pub compiled: CompiledRule,
}

/// The enabled rules of every scope, in name order.
#[derive(Default)]
pub struct RuleSet {
    scopes: HashMap<Scope, Vec<Arc<LoadedRule>>>,
}

impl RuleSet {
    pub fn rules(&self, scope: &Scope) -> &[Arc<LoadedRule>] {
        self.scopes.get(scope).map_or(&[], Vec::as_slice)
    }

    pub fn is_empty(&self) -> bool {
        self.scopes.is_empty()
    }
}

/// Where the bus hands messages to the rules worker.
#[derive(Debug)]
pub struct Inbox {
    tx: mpsc::Sender<Message>,
    /// Whether any enabled rule exists; when none does the bus sends nothing.
    armed: Arc<AtomicBool>,
}

impl Inbox {
    pub fn offer(&self, message: &Message) {
        if self.armed.load(Ordering::Acquire) {
            let _ = self.tx.send(message.clone());
        }
    }
}

pub struct RulesEngine {
    set: RwLock<Arc<RuleSet>>,
    /// The store generation the set was loaded at.
    loaded: AtomicU64,
    armed: Arc<AtomicBool>,
}

impl std::fmt::Debug for RulesEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RulesEngine").field("armed", &self.armed).finish()
    }
}

impl Default for RulesEngine {
    fn default() -> Self {
        RulesEngine {
            set: RwLock::new(Arc::new(RuleSet::default())),
            loaded: AtomicU64::new(u64::MAX),
            armed: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl RulesEngine {
    /// Starts the worker and connects the bus to it.
    pub fn start(app: &Arc<App>) {
        let (tx, rx) = mpsc::channel::<Message>();
        app.bus.connect_rules(Inbox { tx, armed: app.rules.armed.clone() });
        app.rules.reload(app);
        let weak: Weak<App> = Arc::downgrade(app);
        let spawned = std::thread::Builder::new().name("rules".into()).spawn(move || {
            while let Ok(message) = rx.recv() {
                let Some(app) = weak.upgrade() else { return };
                app.rules.handle(&app, &message);
            }
        });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the rules worker; rules will not run");
        }
    }

    /// Loads every rule from the store again, keeping the compiled form of rules
    /// that did not change.
    pub fn reload(&self, app: &App) {
        let generation = app.store.generation();
        let rules = match app.store.read(|tx| tx.all_topic_rules()) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "cannot load topic rules");
                return;
            }
        };
        let old = self.current();
        let mut scopes: HashMap<Scope, Vec<Arc<LoadedRule>>> = HashMap::new();
        for (scope, rule) in rules {
            if rule.disabled {
                continue;
            }
            let kept = old.rules(&scope).iter().find(|l| l.rule == rule).cloned();
            let loaded = match kept {
                Some(l) => l,
                None => match compile_rule(&rule) {
                    Ok(compiled) => Arc::new(LoadedRule { rule, compiled }),
                    Err(e) => {
                        tracing::warn!(rule = %rule.name, error = %e, "stored rule does not compile; skipped");
                        continue;
                    }
                },
            };
            scopes.entry(scope).or_default().push(loaded);
        }
        let set = Arc::new(RuleSet { scopes });
        self.armed.store(!set.is_empty(), Ordering::Release);
        *self.set.write().unwrap_or_else(|p| p.into_inner()) = set;
        self.loaded.store(generation, Ordering::Release);
    }

    pub fn current(&self) -> Arc<RuleSet> {
        self.set.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn handle(&self, app: &App, message: &Message) {
        if app.store.generation() != self.loaded.load(Ordering::Acquire) {
            self.reload(app);
        }
        let set = self.current();
        fire::dispatch(app, &set, message);
    }
}

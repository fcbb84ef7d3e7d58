//! The composition root: what every surface shares (store, clock, ids, PKI,
//! configuration, listener addresses, the rules engine, its sinks and Lambda backends).

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use crate::api::Routes;
use crate::broker::Broker;
use crate::broker::hooks::Message;
use crate::bus::Bus;
use crate::config::Config;
use crate::domain::pki::{CaMaterial, ServerIdentity};
use crate::domain::{Clock, IdGen};
use crate::rules::RulesEngine;
use crate::sinks::Sinks;
use crate::sinks::lambda::LambdaBackends;
use crate::sinks::machine_learning::MlModels;
use crate::store::SqliteStore;

pub struct App {
    pub config: Config,
    pub store: SqliteStore,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGen>,
    pub ca: CaMaterial,
    /// The certificate the TLS listeners present, signed by `ca`.
    pub server_identity: ServerIdentity,
    pub routes: Routes,
    /// Where every accepted message goes: services and the test tap.
    pub bus: Bus,
    /// The compiled topic rules; the worker that runs them is started with the server.
    pub rules: RulesEngine,
    /// What rule actions delivered (the fake S3, SQS, ...).
    pub sinks: Sinks,
    /// Lambda functions by name or ARN.
    pub lambdas: LambdaBackends,
    /// The predictions `machinelearning_predict()` answers, by model id.
    pub ml_models: MlModels,
    /// The broker, for internal publishes and the connection APIs; set once it runs.
    broker: OnceLock<Arc<Broker>>,
    endpoints: OnceLock<BTreeMap<String, String>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("store", &self.store)
            .field("endpoints", &self.endpoints)
            .finish()
    }
}

impl App {
    pub fn new(
        config: Config,
        store: SqliteStore,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGen>,
        ca: CaMaterial,
        server_identity: ServerIdentity,
    ) -> App {
        App {
            config,
            store,
            clock,
            ids,
            ca,
            server_identity,
            routes: Routes::new(),
            bus: Bus::default(),
            rules: RulesEngine::default(),
            sinks: Sinks::default(),
            lambdas: LambdaBackends::default(),
            ml_models: MlModels::default(),
            broker: OnceLock::new(),
            endpoints: OnceLock::new(),
        }
    }

    /// Publishes into the broker; `false` when no broker runs.
    pub fn publish(&self, message: Message) -> bool {
        match self.broker.get() {
            Some(b) => {
                b.publish(message);
                true
            }
            None => false,
        }
    }

    /// The broker, once it runs.
    pub fn broker(&self) -> Option<&Arc<Broker>> {
        self.broker.get()
    }

    pub(crate) fn set_broker(&self, broker: Arc<Broker>) {
        let _ = self.broker.set(broker);
    }

    /// Listener name → bound `host:port`, once every listener is bound.
    pub fn endpoints(&self) -> BTreeMap<String, String> {
        self.endpoints.get().cloned().unwrap_or_default()
    }

    pub(crate) fn set_endpoints(&self, endpoints: BTreeMap<String, String>) {
        let _ = self.endpoints.set(endpoints);
    }
}

//! The emulator in Docker through testcontainers (feature `docker`):
//! [`IotEmulatorImage`], ready once the binary prints its `ready` line, and
//! [`Emulator::start_container`] reaching it through the mapped ports.

use std::borrow::Cow;
use std::collections::BTreeMap;

use anyhow::{Context, Result};
use testcontainers::core::{ContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, Image};

use crate::emulator::Emulator;

/// The image `docker/build-image` builds.
pub const IMAGE_NAME: &str = "iot-emulator";
pub const IMAGE_TAG: &str = "dev";

/// Ports the image exposes, by listener name.
pub const PORTS: [(&str, u16); 5] =
    [("http", 4566), ("https", 8443), ("mqtt", 1883), ("mqtts", 8883), ("mqtts_alpn", 4443)];

/// The `iot-emulator` image, with `IOTEMU_*` variables on top of its own.
#[derive(Debug, Clone)]
pub struct IotEmulatorImage {
    name: String,
    tag: String,
    env: BTreeMap<String, String>,
    ports: Vec<ContainerPort>,
}

impl Default for IotEmulatorImage {
    /// `iot-emulator:dev`, or the `name:tag` in `$IOTEMU_IMAGE`.
    fn default() -> Self {
        let (name, tag) = match std::env::var("IOTEMU_IMAGE") {
            Ok(image) => match image.rsplit_once(':') {
                Some((name, tag)) if !tag.contains('/') => (name.to_owned(), tag.to_owned()),
                _ => (image, "latest".to_owned()),
            },
            Err(_) => (IMAGE_NAME.to_owned(), IMAGE_TAG.to_owned()),
        };
        IotEmulatorImage {
            name,
            tag,
            env: BTreeMap::from([("IOTEMU_LOG".to_owned(), "warn".to_owned())]),
            ports: PORTS.iter().map(|(_, p)| ContainerPort::Tcp(*p)).collect(),
        }
    }
}

impl IotEmulatorImage {
    /// Another image name and tag.
    pub fn with_image(mut self, name: &str, tag: &str) -> Self {
        self.name = name.to_owned();
        self.tag = tag.to_owned();
        self
    }

    /// One `IOTEMU_*` variable, e.g. `("IOTEMU_COMPAT", "2018")`.
    pub fn with_env(mut self, key: &str, value: &str) -> Self {
        self.env.insert(key.to_owned(), value.to_owned());
        self
    }
}

impl Image for IotEmulatorImage {
    fn name(&self) -> &str {
        &self.name
    }

    fn tag(&self) -> &str {
        &self.tag
    }

    fn ready_conditions(&self) -> Vec<WaitFor> {
        // Printed once every listener accepts (the operator contract).
        vec![WaitFor::message_on_stdout("ready {")]
    }

    fn env_vars(
        &self,
    ) -> impl IntoIterator<Item = (impl Into<Cow<'_, str>>, impl Into<Cow<'_, str>>)> {
        self.env.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    fn expose_ports(&self) -> &[ContainerPort] {
        &self.ports
    }
}

impl Emulator {
    /// Runs `iot-emulator:dev` (see [`IotEmulatorImage`]) and connects to it through
    /// its mapped ports; the container is removed when the emulator is dropped.
    pub async fn start_container() -> Result<Emulator> {
        Emulator::start_image(IotEmulatorImage::default()).await
    }

    /// Runs `image` and connects to it through its mapped ports.
    pub async fn start_image(image: IotEmulatorImage) -> Result<Emulator> {
        let reference = format!("{}:{}", image.name, image.tag);
        let container: ContainerAsync<IotEmulatorImage> =
            image.start().await.with_context(|| format!("starting a container of {reference}"))?;
        let host = container.get_host().await?.to_string();
        let mut endpoints = BTreeMap::new();
        for (listener, port) in PORTS {
            let mapped = container
                .get_host_port_ipv4(port)
                .await
                .with_context(|| format!("the host port of {listener} ({port})"))?;
            endpoints.insert(listener.to_owned(), format!("{host}:{mapped}"));
        }
        let url = format!("http://{}", endpoints["http"]);
        Emulator::remote(Emulator::container_backend(container), endpoints, &url, "us-east-1").await
    }
}

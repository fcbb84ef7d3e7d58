//! The thing registry: things, thing types and thing groups.

pub mod principals;
pub mod thing_groups;
pub mod thing_types;
pub mod things;

use super::StoreError;

/// Why a registry operation was refused. The edge maps each kind to the AWS error
/// of the service (ResourceNotFoundException, VersionConflictException, ...).
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    AlreadyExists(String),
    #[error("{0}")]
    VersionConflict(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

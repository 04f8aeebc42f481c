//! Access-key / secret-key pairs: one per account, created and deleted only by the primary user,
//! secret shown once, stored as SHA-256, verified in constant time, uniform failures.

mod error;
mod format;
mod ring;

pub use error::{KeyAction, KeyError};
pub use format::{
    ACCESS_PREFIX, SECRET_PREFIX, access_key_well_formed, new_access_key, new_secret_key,
    secret_key_well_formed,
};
pub use ring::{KeyRing, ct_eq};

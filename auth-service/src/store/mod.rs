//! MongoDB storage, one file per collection. BSON document types never leave this module.

mod api_keys;
mod identities;
mod reset_tokens;
mod sessions;
mod signing_keys;
mod users;

use mongodb::Database;
use shared::stores::{IndexError, ensure_indexes};

pub use api_keys::{ApiKey, ApiKeyStore};
pub use identities::{Identity, IdentityStore, NewIdentity};
pub use reset_tokens::ResetTokenStore;
pub use sessions::{NewSession, Rotation, Session, SessionStore};
pub use shared::outbox::{OutboxEntry, OutboxStore};
pub use signing_keys::{SigningKeyRecord, SigningKeyStore};
pub use users::{NewUser, ProfileChanges, UserFilter, UserStore};

/// Every collection of the service's database.
#[derive(Clone)]
pub struct Store {
    pub db: Database,
    pub users: UserStore,
    pub sessions: SessionStore,
    pub reset_tokens: ResetTokenStore,
    pub api_keys: ApiKeyStore,
    pub identities: IdentityStore,
    pub signing_keys: SigningKeyStore,
    pub outbox: OutboxStore,
}

impl Store {
    pub fn new(db: Database) -> Self {
        Self {
            users: UserStore::new(&db),
            sessions: SessionStore::new(&db),
            reset_tokens: ResetTokenStore::new(&db),
            api_keys: ApiKeyStore::new(&db),
            identities: IdentityStore::new(&db),
            signing_keys: SigningKeyStore::new(&db),
            outbox: OutboxStore::new(&db),
            db,
        }
    }

    /// Creates every index, idempotently, with stable names.
    pub async fn ensure_indexes(&self) -> Result<(), IndexError> {
        ensure_indexes([
            self.users.indexes(),
            self.sessions.indexes(),
            self.reset_tokens.indexes(),
            self.api_keys.indexes(),
            self.identities.indexes(),
            self.outbox.indexes(),
        ])
        .await
    }
}

pub use shared::stores::object_id;

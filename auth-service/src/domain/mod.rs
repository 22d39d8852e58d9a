//! Domain newtypes that parse, don't validate: once built, a value is known to be acceptable.

mod email;
mod password;
mod text;
mod user;

pub use email::Email;
pub use password::Password;
pub use text::{Bio, UserName};
pub use user::{DEFAULT_AVATAR, EnrolledCourse, PublicUser, User};

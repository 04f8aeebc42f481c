//! `GET /api/get-account`: who the caller is, in the shape Casibase's web UI reads at start
//! (`name` is the owner its scan pages use, `isAdmin` opens the admin menus).

use axum::response::Response;
use serde_json::{Value, json};

use super::caller::{Caller, Reader};
use super::envelope::ok;

/// The caller as a Casibase account: the trusted proxy's user, `admin` for the admin token, or
/// the account of an API key (not an admin).
pub async fn get_account(Reader(caller): Reader) -> Response {
    let (owner, name, is_admin) = match &caller {
        Caller::Admin => ("admin", "admin", true),
        Caller::User(user) => ("admin", user.as_str(), true),
        Caller::Account(account) => (account.as_str(), account.as_str(), false),
    };
    ok(
        json!({"owner": owner, "name": name, "displayName": name, "type": "normal-user",
               "isAdmin": is_admin, "avatar": "", "language": ""}),
        Value::Null,
    )
}

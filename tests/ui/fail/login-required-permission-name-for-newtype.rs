// A `"name"` is found at run time only in `String` permissions; a user whose permissions are
// another type (here a newtype that borrows as `str`) never holds it, so it does not compile.
use actix_web::{App, get};
use login_runtime::{CurrentUser, Permission, UserMixin, login_required, user_loader};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Perm(String);

impl std::borrow::Borrow<str> for Perm {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl Permission for Perm {}

#[derive(Clone, UserMixin)]
struct Clerk {
    id: u64,
    #[user(permissions)]
    perms: Vec<Perm>,
}

#[user_loader]
async fn load_clerk(id: u64) -> Option<Clerk> {
    Some(Clerk { id, perms: Vec::new() })
}

#[get("/ledger")]
#[login_required(permission = "ledger.read")]
async fn ledger(user: CurrentUser<Clerk>) -> String {
    format!("{:?}", user.get_id())
}

fn main() {
    let _app = App::new().service(ledger);
}

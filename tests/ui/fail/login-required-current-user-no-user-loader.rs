// Behind `#[login_required]`, a user type without a loader is reported once, and the notes
// do not name the macro's private guard path.
use actix_web::{App, get};
use login_runtime::{CurrentUser, UserMixin, login_required};

#[derive(UserMixin)]
struct User {
    id: u64,
}

#[get("/")]
#[login_required]
async fn index(user: CurrentUser<User>) -> String {
    format!("{:?}", user.get_id())
}

fn main() {
    let _app = App::new().service(index);
}

// A derive mistake is reported once: a stub impl stands in for the real one, so the loader,
// the manager and the extractors that use `User` type-check meanwhile.
use actix_web::{App, get};
use login_runtime::{CurrentUser, LoginManager, UserMixin, user_loader};

#[derive(Clone, UserMixin)]
struct User {
    email: String,
}

#[user_loader]
async fn load_user(email: String) -> Option<User> {
    Some(User { email })
}

#[get("/")]
async fn index(user: CurrentUser<User>) -> String {
    user.user()
        .map_or_else(|| "stranger".to_owned(), |user| user.email.clone())
}

fn main() {
    let _app = App::new().wrap(LoginManager::<User>::new()).service(index);
}

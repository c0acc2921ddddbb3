use actix_web::App;
use login_runtime::{LoginManager, UserMixin, user_loader};

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
}

struct Users(Vec<User>);

impl Users {
    #[user_loader]
    async fn load_user(&self, id: u64) -> Option<User> {
        self.0.iter().find(|user| user.id == id).cloned()
    }
}

fn main() {
    let _app = App::new().wrap(LoginManager::<User>::new());
}

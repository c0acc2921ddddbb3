use actix_web::{App, HttpRequest};
use login_runtime::{LoginManager, UserMixin, request_loader, user_loader};

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
}

#[user_loader]
async fn load_user(id: u64) -> Option<User> {
    Some(User { id })
}

struct Keys(Vec<(String, u64)>);

impl Keys {
    #[request_loader]
    async fn from_api_key(&self, req: HttpRequest) -> Option<User> {
        let key = req.headers().get("x-api-key")?.to_str().ok()?;
        let (_, id) = self.0.iter().find(|(known, _)| known == key)?;
        Some(User { id: *id })
    }
}

fn main() {
    let _app = App::new().wrap(LoginManager::<User>::new().request_loader());
}

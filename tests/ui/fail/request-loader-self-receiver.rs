use actix_web::HttpRequest;
use login_runtime::{UserMixin, request_loader};

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
}

struct Keys;

impl Keys {
    #[request_loader]
    async fn from_api_key(&self, req: HttpRequest) -> Option<User> {
        req.headers().get("x-api-key").map(|_| User { id: 1 })
    }
}

fn main() {}

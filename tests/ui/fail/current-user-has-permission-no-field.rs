// `has_permission` answers without a request, so only for permissions kept in a field.
use std::collections::HashSet;

use actix_web::HttpRequest;
use login_runtime::{CurrentUser, UserMixin, UserPermissions, user_loader};

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
}

impl UserPermissions for User {
    type Permission = String;
    async fn permissions(&self, _: &HttpRequest) -> actix_web::Result<HashSet<String>> {
        Ok(HashSet::new())
    }
}

#[user_loader]
async fn load_user(id: u64) -> Option<User> {
    Some(User { id })
}

async fn index(user: CurrentUser<User>) -> String {
    user.has_permission("admin").to_string()
}

fn main() {
    let _ = index;
}

// Permissions in every accepted form: typed from a field (several field types), strings from an
// async source, on a handler that names the user and one that does not, with `fresh`, and on a
// scope.
use std::collections::{BTreeSet, HashSet};

use actix_web::{App, HttpRequest, get, web};
use login_runtime::{
    CurrentUser, LoginManager, Permission, Permissions, RequireLogin, UserMixin, UserPermissions,
    login_required, user_loader,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Role {
    Admin,
    Editor,
}
impl Permission for Role {}

#[derive(Clone, UserMixin)]
struct Staff {
    id: u64,
    #[user(permissions)]
    roles: BTreeSet<Role>,
}

#[derive(Clone, UserMixin)]
struct Boxed<T: Clone + 'static> {
    id: u64,
    #[user(permissions)]
    roles: Box<[T]>,
}

#[derive(Clone, UserMixin)]
struct Member {
    id: u64,
}

impl UserPermissions for Member {
    type Permission = String;
    async fn permissions(&self, _: &HttpRequest) -> actix_web::Result<HashSet<String>> {
        Ok(HashSet::from(["articles.edit".to_owned()]))
    }
}

#[user_loader]
async fn load_staff(id: u64) -> Option<Staff> {
    Some(Staff { id, roles: BTreeSet::from([Role::Admin]) })
}

#[user_loader]
async fn load_member(id: u64) -> Option<Member> {
    Some(Member { id })
}

#[get("/admin")]
#[login_required(permission = Role::Admin)]
async fn admin(user: CurrentUser<Staff>) -> String {
    format!("{}", user.has_permission(&Role::Admin))
}

#[get("/both")]
#[login_required(fresh, permissions(Role::Admin, Role::Editor,))]
async fn both(body: web::Bytes) -> String {
    format!("{}", body.len())
}

#[get("/articles")]
#[login_required(permission = "articles.edit")]
async fn articles(user: CurrentUser<Member>, permissions: Permissions<Member>) -> String {
    format!("{:?} {}", user.get_id(), permissions.contains("articles.edit"))
}

pub mod api {
    use super::*;

    #[get("/api")]
    #[login_required(permission = Role::Editor)]
    pub async fn api() -> &'static str {
        "api"
    }
}

fn main() {
    let _staff = App::new()
        .wrap(LoginManager::<Staff>::new())
        .service(admin)
        .service(both)
        .service(api::api)
        .service(
            web::scope("/desk")
                .wrap(RequireLogin::new().fresh().permission(Role::Editor))
                .route("", web::get().to(|| async { "desk" })),
        );
    let _members = App::new()
        .wrap(LoginManager::<Member>::new())
        .service(articles);
    let _: Option<Boxed<Role>> = None;
}

#[path = "../support/mod.rs"]
mod support;

use actix_web::{App, HttpRequest, get, test, web};
use login_runtime::{LoginManager, UserMixin, login_required, user_loader};

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
}

#[user_loader]
async fn load_user(id: u64) -> Option<User> {
    (id == 1).then_some(User { id })
}

type Q = web::Query<Vec<(String, String)>>;

// Sixteen, actix's limit, fit in the guard; a tuple groups more.
#[get("/report")]
#[login_required]
#[allow(clippy::too_many_arguments)]
async fn report(
    req: HttpRequest,
    b: Q,
    c: Q,
    d: Q,
    e: Q,
    f: Q,
    g: Q,
    h: Q,
    i: Q,
    j: Q,
    k: Q,
    l: Q,
    m: Q,
    n: Q,
    o: Q,
    (p, q): (Q, web::Data<String>),
) -> String {
    let queries = [&b, &c, &d, &e, &f, &g, &h, &i, &j, &k, &l, &m, &n, &o, &p];
    let pairs: usize = queries.iter().map(|query| query.len()).sum();
    format!("{} {pairs} {}", req.path(), q.as_str())
}

#[actix_web::main]
async fn main() {
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new("data".to_owned()))
            .wrap(LoginManager::<User>::new())
            .wrap(support::session())
            .route("/login/{id}", web::post().to(support::login_as::<User>))
            .service(report),
    )
    .await;
    assert_eq!(support::get(&app, "/report?a=1", None).await.0, 401);
    let cookie = support::login(&app, "1").await;
    let (status, body) = support::get(&app, "/report?a=1", Some(&cookie)).await;
    assert_eq!((status.as_u16(), body.as_str()), (200, "/report 15 data"));
}

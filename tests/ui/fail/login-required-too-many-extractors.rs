use actix_web::{App, HttpRequest, get, web};
use login_runtime::login_required;

type Q = web::Query<Vec<(String, String)>>;

#[get("/report")]
#[login_required]
#[allow(clippy::too_many_arguments)]
async fn report(
    _a: HttpRequest,
    _b: Q,
    _c: Q,
    _d: Q,
    _e: Q,
    _f: Q,
    _g: Q,
    _h: Q,
    _i: Q,
    _j: Q,
    _k: Q,
    _l: Q,
    _m: Q,
    _n: Q,
    _o: Q,
    _p: Q,
    _q: web::Data<String>,
) -> &'static str {
    "a handler with 17 extractors"
}

fn main() {
    let _app = App::new().service(report);
}

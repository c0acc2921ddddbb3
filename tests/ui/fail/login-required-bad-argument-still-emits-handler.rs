// An argument mistake is reported once: the handler is still emitted, guarded, so the
// routes that register it and the code that uses it type-check meanwhile.
use actix_web::{App, HttpResponse, Responder, get, web};
use login_runtime::login_required;

#[get("/settings")]
#[login_required(fresh, redirect = "/login")]
async fn settings(query: web::Query<Vec<(String, String)>>) -> impl Responder {
    HttpResponse::Ok().body(format!("{} settings", query.len()))
}

fn main() {
    let _app = App::new().service(settings);
}

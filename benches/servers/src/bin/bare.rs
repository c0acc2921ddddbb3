//! `bare`: actix-web and the three routes, no session and no auth. `POST /login` reads the form
//! (so the body parsing is in the baseline) but checks nothing and sets no cookie; `GET
//! /protected` always answers `hello alice`. The floor the other servers are compared with.

use actix_web::http::header;
use actix_web::{App, HttpResponse, HttpServer, get, post, web};
use login_runtime_bench_servers::{LoginForm, USERNAME, address};

#[post("/login")]
async fn login(form: web::Form<LoginForm>) -> HttpResponse {
    let _form = form.into_inner();
    HttpResponse::Found()
        .insert_header((header::LOCATION, "/protected"))
        .finish()
}

#[get("/login")]
async fn login_form() -> &'static str {
    "log in"
}

#[get("/protected")]
async fn protected() -> String {
    format!("hello {USERNAME}")
}

#[get("/logout")]
async fn logout() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, "/"))
        .finish()
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    HttpServer::new(|| {
        App::new()
            .service(login)
            .service(login_form)
            .service(protected)
            .service(logout)
    })
    .workers(1)
    .bind(address()?)?
    .run()
    .await
}

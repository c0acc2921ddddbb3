// `RequireLogin::permission` takes a permission type too.
use actix_web::web;
use login_runtime::RequireLogin;

fn main() {
    let _scope = web::scope("/admin")
        .wrap(RequireLogin::new().permission(3.5_f64))
        .route("", web::get().to(|| async { "admin" }));
}

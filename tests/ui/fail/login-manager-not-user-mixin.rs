use actix_web::App;
use login_runtime::LoginManager;

struct Visitor;

fn main() {
    let _app = App::new().wrap(LoginManager::<Visitor>::new());
}

use actix_web::{App, get};
use login_runtime::login_required;

struct Settings {
    theme: String,
}

#[get("/settings")]
#[login_required]
async fn settings(settings: Settings) -> String {
    settings.theme
}

fn main() {
    let _app = App::new().service(settings);
}

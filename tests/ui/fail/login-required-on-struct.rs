use login_runtime::login_required;

#[login_required]
struct Settings {
    theme: String,
}

fn main() {
    let settings = Settings {
        theme: "dark".to_owned(),
    };
    let _ = settings.theme;
}

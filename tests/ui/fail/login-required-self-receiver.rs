use login_runtime::login_required;

struct Pages;

impl Pages {
    #[login_required]
    async fn settings(&self) -> &'static str {
        "only for logged-in users"
    }
}

fn main() {
    let _ = Pages.settings();
}

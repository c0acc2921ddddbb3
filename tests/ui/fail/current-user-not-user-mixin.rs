use login_runtime::CurrentUser;

struct Visitor {
    name: String,
}

async fn index(_user: CurrentUser<Visitor>) -> &'static str {
    "hello"
}

fn main() {
    let _ = Visitor {
        name: String::new(),
    }
    .name;
    let _ = index;
}

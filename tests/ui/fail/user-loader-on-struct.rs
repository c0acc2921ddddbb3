use login_runtime::user_loader;

#[user_loader]
struct Loader;

fn main() {
    let _ = Loader;
}

use actix_web::HttpRequest;
use login_runtime::request_loader;

struct ApiClient {
    key: String,
}

#[request_loader]
async fn from_api_key(req: HttpRequest) -> Option<ApiClient> {
    let key = req.headers().get("x-api-key")?.to_str().ok()?;
    Some(ApiClient {
        key: key.to_owned(),
    })
}

fn main() {}

//! Every HTTP API function: the whole router, built once. API Gateway sends each function only its route.

fn main() -> Result<(), lambda_http::Error> {
    crm_functions::start(crm_api::lambda::run)
}

//! The CLI's HTTP transport for the core's sans-IO OIDC requests: each [`HttpRequest`] sent as
//! it is (no redirects followed, every status returned), over rustls with Mozilla's roots for
//! the real service and plain HTTP for the stand-in on 127.0.0.1.

use mynacard_core::oidc::{HttpFailed, HttpRequest, Method};

/// An HTTP agent for the core's requests: no redirects followed, statuses returned as they are.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(30)))
        .build()
        .into()
}

/// Sends one of the core's requests as it is: status and body, or [`HttpFailed`] when the
/// network failed.
pub fn send(agent: &ureq::Agent, request: &HttpRequest) -> Result<(u16, Vec<u8>), HttpFailed> {
    let mut builder = ureq::http::Request::builder()
        .method(request.method.as_str())
        .uri(&request.url);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let response = match (&request.method, &request.body) {
        (Method::Get, _) | (_, None) => agent.run(builder.body(()).map_err(|_| HttpFailed)?),
        (_, Some(body)) => agent.run(builder.body(body.clone()).map_err(|_| HttpFailed)?),
    };
    let mut response = response.map_err(|_| HttpFailed)?;
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_vec().map_err(|_| HttpFailed)?;
    Ok((status, body))
}

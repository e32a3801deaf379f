//! JSON over HTTP/1.1 to the server's API (hyper, one connection per request).

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;

use crate::error::FieldError;
use crate::session::ServerUrl;

/// How long one API call may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(30);

/// An API answer: the status code and the JSON body (`Null` when empty or not JSON).
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: serde_json::Value,
}

impl Response {
    /// The server's `{"error": …}` text, or the status line's meaning.
    pub fn message(&self) -> String {
        self.body["error"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| {
                hyper::StatusCode::from_u16(self.status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("unexpected answer")
                    .to_owned()
            })
    }

    /// The error for an answer that is not a success.
    pub fn into_error(self) -> FieldError {
        match self.status {
            401 => FieldError::Unauthorized,
            status => FieldError::Server {
                status,
                message: self.message(),
            },
        }
    }
}

/// `POST` a JSON body.
pub async fn post(
    server: &ServerUrl,
    path: &str,
    body: &serde_json::Value,
    token: Option<&str>,
) -> Result<Response, FieldError> {
    call(server, Method::POST, path, Some(body), token).await
}

/// `GET` with an optional bearer token.
pub async fn get(
    server: &ServerUrl,
    path: &str,
    token: Option<&str>,
) -> Result<Response, FieldError> {
    call(server, Method::GET, path, None, token).await
}

/// An answer as it came: the status code, its content type and the body's bytes (a PDF, say).
#[derive(Debug)]
pub struct Raw {
    pub status: u16,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

impl Raw {
    /// The answer read as JSON (`Null` when empty or not JSON).
    pub fn json(self) -> Response {
        Response {
            status: self.status,
            body: serde_json::from_slice(&self.bytes).unwrap_or(serde_json::Value::Null),
        }
    }
}

async fn call(
    server: &ServerUrl,
    method: Method,
    path: &str,
    body: Option<&serde_json::Value>,
    token: Option<&str>,
) -> Result<Response, FieldError> {
    Ok(call_raw(server, method, path, body, token).await?.json())
}

/// One request with an optional JSON body and bearer token; the answer as it came.
pub async fn call_raw(
    server: &ServerUrl,
    method: Method,
    path: &str,
    body: Option<&serde_json::Value>,
    token: Option<&str>,
) -> Result<Raw, FieldError> {
    if server.is_tls() {
        return Err(FieldError::Invalid(
            "this build of linli-field speaks plain http:// and ws:// only; reach an https \
             server through its loopback --listen address or a tunnel"
                .into(),
        ));
    }
    let request = async {
        let connection_error =
            |e: &dyn std::fmt::Display| FieldError::Connection(format!("{}: {e}", server.base()));
        let stream = tokio::net::TcpStream::connect(server.authority())
            .await
            .map_err(|e| connection_error(&e))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| connection_error(&e))?;
        tokio::spawn(async move {
            // Ends when the response has been read; its errors surface through `sender`.
            let _ = connection.await;
        });
        let mut builder = Request::builder()
            .method(method)
            .uri(server.target(path))
            .header(HOST, server.authority());
        if body.is_some() {
            builder = builder.header(CONTENT_TYPE, "application/json");
        }
        if let Some(token) = token {
            builder = builder.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        let payload = body.map(|b| b.to_string()).unwrap_or_default();
        let request = builder
            .body(Full::new(Bytes::from(payload)))
            .map_err(|e| FieldError::Invalid(e.to_string()))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| connection_error(&e))?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| connection_error(&e))?
            .to_bytes();
        Ok(Raw {
            status,
            content_type,
            bytes: bytes.to_vec(),
        })
    };
    tokio::time::timeout(TIMEOUT, request)
        .await
        .map_err(|_| FieldError::Timeout(TIMEOUT))?
}

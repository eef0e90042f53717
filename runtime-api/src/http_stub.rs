//! [`HttpStub`]: the Runtime API stub's HTTP plumbing lent to a service that has no emulator
//! (MediaConvert, in the handlers' tests).

use crate::http::{Request, Response, Server};
use std::sync::{Arc, Mutex};

/// A loopback HTTP endpoint for a service with no emulator (point `AWS_ENDPOINT_URL_<SERVICE>`
/// here): it keeps every request and answers each with what `respond` makes of it.
pub struct HttpStub {
    server: Server,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl HttpStub {
    /// `respond` gets the request and how many came before it.
    pub fn start(
        respond: impl Fn(&Request, usize) -> Response + Send + Sync + 'static,
    ) -> HttpStub {
        let requests: Arc<Mutex<Vec<Request>>> = Arc::default();
        let seen = Arc::clone(&requests);
        let server = Server::start(move |req, _| {
            let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
            let answer = respond(&req, seen.len());
            seen.push(req);
            Some(answer)
        });
        HttpStub { server, requests }
    }

    /// `http://127.0.0.1:<port>`
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::testing::exchange;
    use std::net::TcpStream;

    #[test]
    fn http_stub_records_requests_and_answers_each() {
        let stub = HttpStub::start(|req, n| {
            Response::json(201, &format!(r#"{{"n":{n},"len":{}}}"#, req.body.len()))
        });
        let mut conn = TcpStream::connect(stub.endpoint().trim_start_matches("http://")).unwrap();
        for n in 0..2 {
            let (status, _, body) = exchange(
                &mut conn,
                "POST /2017-08-29/jobs HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",
            );
            assert_eq!((status, body), (201, format!(r#"{{"n":{n},"len":2}}"#)));
        }
        let seen = stub.requests();
        assert_eq!(seen.len(), 2);
        assert_eq!(
            (
                seen[0].method.as_str(),
                seen[0].path.as_str(),
                seen[0].body_text().as_str()
            ),
            ("POST", "/2017-08-29/jobs", "{}")
        );
    }
}

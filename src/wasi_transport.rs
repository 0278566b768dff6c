//! The `wasi:http` transport: the only module that touches the network.

use wasi::clocks::monotonic_clock;
use wasi::http::outgoing_handler;
use wasi::http::types::{
    ErrorCode, Fields, IncomingBody, Method as WasiMethod, OutgoingBody, OutgoingRequest, RequestOptions,
    Scheme as WasiScheme,
};
use wasi::io::streams::StreamError;

use crate::transport::{Failure, FailureKind, Limits, Method, Request, Response, Scheme, Transport};

/// Bytes requested per body read.
const READ_CHUNK: u64 = 64 * 1024;

/// Bytes written per call: `blocking-write-and-flush` accepts at most 4096.
const WRITE_CHUNK: usize = 4096;

const NANOS_PER_MILLI: u64 = 1_000_000;

/// Sends requests through the host's `wasi:http/outgoing-handler`.
pub struct WasiTransport;

impl Transport for WasiTransport {
    fn send(&mut self, request: &Request, limits: &Limits) -> Result<Response, Failure> {
        // 1. Build the request head.
        let outgoing = build_request(request)?;

        // 2. Hand the request to the host, then write and finish the body. The
        // host buffers little of an unsent body, so a body over one write (4 KiB)
        // written before `handle` would block forever. An empty body is finished
        // first, which avoids a race in some hosts between sending the head and
        // closing the body.
        let body = outgoing.body().map_err(|()| failure(FailureKind::Other, "the request body was already taken", false))?;
        let bytes = request.body.as_deref().unwrap_or_default();
        let options = request_options(limits)?;
        let mut early = None;
        let future = if bytes.is_empty() {
            OutgoingBody::finish(body, None).map_err(|e| from_error_code(&e, false))?;
            outgoing_handler::handle(outgoing, Some(options)).map_err(|e| from_error_code(&e, false))?
        } else {
            let future = outgoing_handler::handle(outgoing, Some(options)).map_err(|e| from_error_code(&e, false))?;
            let written = write_body(&body, bytes);
            let finished = OutgoingBody::finish(body, None).map_err(|e| from_error_code(&e, true));
            if let Err(write_failure) = written.and(finished) {
                // The host or the server may have ended the exchange before the
                // whole body was written, as with a denied request or an early
                // error response. Its outcome, bounded by the first-byte timeout,
                // explains more than the failed write does.
                future.subscribe().block();
                match future.get() {
                    Some(Err(())) | None => return Err(write_failure),
                    Some(outcome) => early = Some(outcome),
                }
            }
            future
        };

        // 3. Wait for the response head.
        let outcome = match early {
            Some(outcome) => outcome,
            None => {
                future.subscribe().block();
                future.get().unwrap_or(Err(()))
            }
        };
        let incoming = match outcome {
            Ok(Ok(response)) => response,
            Ok(Err(code)) => return Err(from_error_code(&code, true)),
            Err(()) => return Err(failure(FailureKind::Other, "the response future was not ready", true)),
        };

        // 4. Read the head and the body, up to the size cap.
        let status = incoming.status();
        let headers = incoming
            .headers()
            .entries()
            .into_iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), String::from_utf8_lossy(&value).into_owned()))
            .collect();
        let body = incoming.consume().map_err(|()| failure(FailureKind::Other, "the response body was already taken", true))?;
        let bytes = read_body(&body, limits.max_response_bytes, status)?;
        drop(body);

        Ok(Response { status, headers, body: bytes })
    }

    fn sleep(&mut self, milliseconds: u64) {
        monotonic_clock::subscribe_duration(milliseconds.saturating_mul(NANOS_PER_MILLI)).block();
    }
}

fn build_request(request: &Request) -> Result<OutgoingRequest, Failure> {
    let entries: Vec<(String, Vec<u8>)> = request
        .headers
        .iter()
        .map(|(name, value)| ((*name).to_string(), value.as_bytes().to_vec()))
        .collect();
    let headers = Fields::from_list(&entries).map_err(|e| failure(FailureKind::Other, &format!("invalid request header: {e:?}"), false))?;

    let outgoing = OutgoingRequest::new(headers);
    let method = match request.method {
        Method::Get => WasiMethod::Get,
        Method::Post => WasiMethod::Post,
        Method::Patch => WasiMethod::Patch,
        Method::Put => WasiMethod::Put,
    };
    let scheme = match request.scheme {
        Scheme::Http => WasiScheme::Http,
        Scheme::Https => WasiScheme::Https,
    };
    let invalid = |part: &str| failure(FailureKind::Other, &format!("the host rejected the request's {part}"), false);
    outgoing.set_method(&method).map_err(|()| invalid("method"))?;
    outgoing.set_scheme(Some(&scheme)).map_err(|()| invalid("scheme"))?;
    outgoing.set_authority(Some(&request.authority)).map_err(|()| invalid("authority"))?;
    outgoing.set_path_with_query(Some(&request.path_and_query)).map_err(|()| invalid("path"))?;
    Ok(outgoing)
}

fn request_options(limits: &Limits) -> Result<RequestOptions, Failure> {
    let options = RequestOptions::new();
    let unsupported = |which: &str| failure(FailureKind::Other, &format!("the host does not support a {which} timeout"), false);
    options
        .set_connect_timeout(Some(limits.connect_timeout_ms.saturating_mul(NANOS_PER_MILLI)))
        .map_err(|()| unsupported("connect"))?;
    options
        .set_first_byte_timeout(Some(limits.first_byte_timeout_ms.saturating_mul(NANOS_PER_MILLI)))
        .map_err(|()| unsupported("first-byte"))?;
    options
        .set_between_bytes_timeout(Some(limits.between_bytes_timeout_ms.saturating_mul(NANOS_PER_MILLI)))
        .map_err(|()| unsupported("between-bytes"))?;
    Ok(options)
}

fn write_body(body: &OutgoingBody, bytes: &[u8]) -> Result<(), Failure> {
    if bytes.is_empty() {
        return Ok(());
    }
    let stream = body.write().map_err(|()| failure(FailureKind::Other, "the request body stream was already taken", false))?;
    for chunk in bytes.chunks(WRITE_CHUNK) {
        stream
            .blocking_write_and_flush(chunk)
            .map_err(|e| stream_failure(e, true, "writing the request body"))?;
    }
    Ok(())
}

fn read_body(body: &IncomingBody, max_bytes: u64, status: u16) -> Result<Vec<u8>, Failure> {
    let stream = body.stream().map_err(|()| failure(FailureKind::Other, "the response body stream was already taken", true))?;
    let mut bytes: Vec<u8> = Vec::new();
    loop {
        match stream.blocking_read(READ_CHUNK) {
            Ok(chunk) => {
                let total = (bytes.len() as u64).saturating_add(chunk.len() as u64);
                if total > max_bytes {
                    let mut too_large = failure(
                        FailureKind::BodyTooLarge,
                        &format!("the response body is larger than max-response-bytes ({max_bytes} bytes)"),
                        true,
                    );
                    too_large.status = Some(status);
                    return Err(too_large);
                }
                bytes.extend_from_slice(&chunk);
            }
            Err(StreamError::Closed) => return Ok(bytes),
            Err(error) => {
                let mut failed = stream_failure(error, true, "reading the response body");
                failed.status = Some(status);
                return Err(failed);
            }
        }
    }
}

fn stream_failure(error: StreamError, maybe_sent: bool, during: &str) -> Failure {
    match error {
        StreamError::Closed => failure(FailureKind::ConnectionClosed, &format!("the connection closed while {during}"), maybe_sent),
        StreamError::LastOperationFailed(io_error) => match wasi::http::types::http_error_code(&io_error) {
            Some(code) => {
                let mut failed = from_error_code(&code, maybe_sent);
                failed.message = format!("{} while {during}", failed.message);
                failed
            }
            None => failure(
                FailureKind::ConnectionClosed,
                &format!("{during} failed: {}", io_error.to_debug_string()),
                maybe_sent,
            ),
        },
    }
}

fn failure(kind: FailureKind, message: &str, maybe_sent: bool) -> Failure {
    Failure {
        kind,
        message: message.to_string(),
        maybe_sent,
        status: None,
    }
}

/// Maps a `wasi:http` error code. `after_send` is true once the request has been
/// handed to the host. Errors that happen before a connection exists (denied,
/// DNS, refused, connect timeout) still mean that nothing reached the server.
fn from_error_code(code: &ErrorCode, after_send: bool) -> Failure {
    let (kind, reached) = match code {
        ErrorCode::HttpRequestDenied => (FailureKind::Denied, false),
        ErrorCode::DnsTimeout | ErrorCode::DnsError(_) => (FailureKind::Dns, false),
        ErrorCode::DestinationNotFound | ErrorCode::DestinationUnavailable | ErrorCode::DestinationIpUnroutable => {
            (FailureKind::Dns, false)
        }
        ErrorCode::ConnectionRefused => (FailureKind::ConnectionRefused, false),
        ErrorCode::ConnectionTimeout => (FailureKind::ConnectTimeout, false),
        ErrorCode::ConnectionReadTimeout | ErrorCode::HttpResponseTimeout => (FailureKind::ReadTimeout, after_send),
        ErrorCode::ConnectionTerminated | ErrorCode::ConnectionLimitReached | ErrorCode::HttpResponseIncomplete => {
            (FailureKind::ConnectionClosed, after_send)
        }
        ErrorCode::TlsProtocolError | ErrorCode::TlsCertificateError | ErrorCode::TlsAlertReceived(_) => {
            (FailureKind::Tls, false)
        }
        ErrorCode::HttpResponseBodySize(_) => (FailureKind::BodyTooLarge, after_send),
        _ => (FailureKind::Other, after_send),
    };
    let message = match kind {
        FailureKind::Denied => format!("the host denied the request ({code:?}): it does not allow this destination; grant the component outbound HTTP to the base URL's host"),
        _ => format!("no response from HubSpot: {code:?}"),
    };
    Failure {
        kind,
        message,
        maybe_sent: reached,
        status: None,
    }
}

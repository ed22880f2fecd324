//! A small HTTP/1.1 server on std: one thread per connection, keep-alive, Content-Length
//! bodies. Enough for JSON-RPC clients (httpx, requests, aiohttp, fetch) on loopback.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::rpc::{self, Server};

/// Largest request body served (a Soroban transaction is at most 132 KiB; uploads fit easily).
pub const MAX_BODY: usize = 2 * 1024 * 1024;
const MAX_HEAD: usize = 64 * 1024;
/// Bodies up to this size are read and dropped to answer the client cleanly; beyond, we hang up.
const MAX_DRAIN: usize = 256 * 1024 * 1024;

pub fn serve(listener: TcpListener, server: Arc<Server>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let server = server.clone();
        let _ = std::thread::Builder::new()
            .name("http".into())
            .spawn(move || {
                let _ = handle_connection(stream, &server);
            });
    }
}

struct Request {
    method: String,
    path: String,
    query: String,
    keep_alive: bool,
    body: Result<Vec<u8>, usize>,
}

fn read_request(
    reader: &mut BufReader<TcpStream>,
    writer: &mut TcpStream,
) -> io::Result<Option<Request>> {
    let mut head = Vec::new();
    loop {
        let n = reader.read_until(b'\n', &mut head)?;
        if n == 0 {
            return Ok(None);
        }
        if head.ends_with(b"\r\n\r\n") || head.ends_with(b"\n\n") {
            break;
        }
        if head == b"\r\n" || head == b"\n" {
            head.clear();
        }
        if head.len() > MAX_HEAD {
            return Err(io::Error::other("request head too large"));
        }
    }
    let text = String::from_utf8_lossy(&head);
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("");
    let mut parts = first.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let version = parts.next().unwrap_or("HTTP/1.1").to_string();
    let mut content_length = 0usize;
    let mut keep_alive = version != "HTTP/1.0";
    let mut chunked = false;
    let mut expect_continue = false;
    for line in lines {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
        match k.as_str() {
            "content-length" => {
                content_length = v
                    .parse()
                    .map_err(|_| io::Error::other("bad content-length"))?
            }
            "connection" => keep_alive = !v.eq_ignore_ascii_case("close"),
            "transfer-encoding" => chunked = v.to_ascii_lowercase().contains("chunked"),
            "expect" => expect_continue = v.eq_ignore_ascii_case("100-continue"),
            _ => {}
        }
    }
    // curl asks before sending bodies over 1 KiB; answering saves it a one-second wait.
    if expect_continue && content_length <= MAX_BODY {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    let body = if chunked {
        read_chunked(reader)?
    } else if content_length > MAX_BODY {
        if content_length > MAX_DRAIN {
            keep_alive = false;
        } else {
            io::copy(
                &mut reader.by_ref().take(content_length as u64),
                &mut io::sink(),
            )?;
        }
        Err(content_length)
    } else {
        let mut b = vec![0; content_length];
        reader.read_exact(&mut b)?;
        Ok(b)
    };
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target, String::new()),
    };
    Ok(Some(Request {
        method,
        path,
        query,
        keep_alive,
        body,
    }))
}

fn read_chunked(reader: &mut BufReader<TcpStream>) -> io::Result<Result<Vec<u8>, usize>> {
    let mut body = Vec::new();
    let mut total = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
            .map_err(|_| io::Error::other("bad chunk size"))?;
        if size == 0 {
            let mut trailer = String::new();
            while reader.read_line(&mut trailer)? > 2 {
                trailer.clear();
            }
            break;
        }
        total += size;
        if total > MAX_DRAIN {
            return Err(io::Error::other("body too large"));
        }
        if total <= MAX_BODY {
            let mut chunk = vec![0; size];
            reader.read_exact(&mut chunk)?;
            body.extend_from_slice(&chunk);
        } else {
            io::copy(&mut reader.by_ref().take(size as u64), &mut io::sink())?;
        }
        let mut crlf = String::new();
        reader.read_line(&mut crlf)?;
    }
    Ok(if total > MAX_BODY {
        Err(total)
    } else {
        Ok(body)
    })
}

fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (k == name).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn write_response(
    stream: &mut TcpStream,
    status: u16,
    body: &[u8],
    keep_alive: bool,
) -> io::Result<()> {
    let reason = match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        500 => "Internal Server Error",
        504 => "Gateway Timeout",
        _ => "Status",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: {}\r\n\r\n",
        body.len(),
        if keep_alive { "keep-alive" } else { "close" }
    );
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    stream.write_all(&out)?;
    stream.flush()
}

fn handle_connection(stream: TcpStream, server: &Server) -> io::Result<()> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    loop {
        let req = match read_request(&mut reader, &mut writer) {
            Ok(Some(r)) => r,
            Ok(None) => return Ok(()),
            Err(e) => {
                let body = rpc::body_too_large(MAX_BODY).to_string();
                let _ = write_response(&mut writer, 400, body.as_bytes(), false);
                return Err(e);
            }
        };
        let (status, body): (u16, Vec<u8>) = match (req.method.as_str(), req.path.as_str()) {
            ("POST", "/" | "/rpc") => match &req.body {
                Ok(b) => match rpc::handle_body(server, b) {
                    Some(v) => (200, v.to_string().into_bytes()),
                    None => (204, Vec::new()),
                },
                Err(_) => (413, rpc::body_too_large(MAX_BODY).to_string().into_bytes()),
            },
            ("GET", "/friendbot") | ("POST", "/friendbot") => {
                let addr = query_param(&req.query, "addr");
                let (status, v) = rpc::friendbot(server, addr.as_deref());
                (status, v.to_string().into_bytes())
            }
            ("GET", "/" | "/rpc" | "/health") => (
                200,
                Value::from("flowfi-localnet: POST JSON-RPC 2.0 requests to /rpc")
                    .to_string()
                    .into_bytes(),
            ),
            (_, "/" | "/rpc") => (405, b"{\"error\":\"use POST\"}".to_vec()),
            _ => (404, b"{\"error\":\"not found\"}".to_vec()),
        };
        write_response(&mut writer, status, &body, req.keep_alive)?;
        if !req.keep_alive {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_decoding() {
        assert_eq!(
            query_param("addr=GABC&x=1", "addr").as_deref(),
            Some("GABC")
        );
        assert_eq!(query_param("a=%41%42+c", "a").as_deref(), Some("AB c"));
        assert_eq!(query_param("a=%4", "a").as_deref(), Some("%4"));
        assert_eq!(query_param("b=1", "a"), None);
    }
}

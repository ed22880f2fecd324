//! `flowfi-localnet [--host 127.0.0.1] [--port 8000] [--passphrase ...]
//! [--ledger-interval-ms 1000] [--state-dir DIR] [--max-entry-ttl LEDGERS] [--print-root-secret]`

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use flowfi_localnet::network::Archival;
use flowfi_localnet::{genesis, http, rpc};

const USAGE: &str = "usage: flowfi-localnet [--host 127.0.0.1] [--port 8000] \
[--passphrase \"Standalone Network ; February 2017\"] [--ledger-interval-ms 1000] \
[--state-dir DIR] [--max-entry-ttl LEDGERS] [--print-root-secret]";

struct Args {
    host: String,
    port: u16,
    passphrase: String,
    interval_ms: u64,
    state_dir: Option<PathBuf>,
    archival: Archival,
    print_root: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        host: "127.0.0.1".into(),
        port: 8000,
        passphrase: "Standalone Network ; February 2017".into(),
        interval_ms: 1000,
        state_dir: None,
        archival: Archival::default(),
        print_root: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |n: &str| {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{n} needs a value"))
        };
        match name.as_str() {
            "--host" => a.host = value("--host")?,
            "--port" => {
                a.port = value("--port")?
                    .parse()
                    .map_err(|_| "--port must be a number from 0 to 65535".to_string())?
            }
            "--passphrase" => a.passphrase = value("--passphrase")?,
            "--ledger-interval-ms" => {
                a.interval_ms = value("--ledger-interval-ms")?.parse().map_err(|_| {
                    "--ledger-interval-ms must be a non-negative integer".to_string()
                })?
            }
            "--state-dir" => a.state_dir = Some(PathBuf::from(value("--state-dir")?)),
            "--max-entry-ttl" => {
                let ledgers: u32 = value("--max-entry-ttl")?.parse().map_err(|_| {
                    "--max-entry-ttl must be a number of ledgers from 16 up".to_string()
                })?;
                if ledgers < 16 {
                    return Err("--max-entry-ttl must be a number of ledgers from 16 up".into());
                }
                a.archival = Archival::with_max_entry_ttl(ledgers);
            }
            "--print-root-secret" => a.print_root = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if a.passphrase.is_empty() {
        return Err("--passphrase must not be empty".into());
    }
    Ok(a)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("flowfi-localnet: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let listener = match TcpListener::bind((args.host.as_str(), args.port)) {
        Ok(l) => l,
        Err(e) => {
            let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
                " (the port is taken: stop the other process or pick another --port)"
            } else {
                ""
            };
            eprintln!(
                "flowfi-localnet: cannot listen on {}:{}: {e}{hint}",
                args.host, args.port
            );
            return ExitCode::from(3);
        }
    };
    let node = match genesis::start_with(&args.passphrase, args.state_dir.as_deref(), args.archival)
    {
        Ok(n) => n,
        Err(e) => {
            eprintln!("flowfi-localnet: {e}");
            return ExitCode::from(4);
        }
    };
    let root_secret = stellar_strkey::ed25519::PrivateKey(node.root.to_bytes()).to_string();
    let root_public =
        stellar_strkey::ed25519::PublicKey(node.root.verifying_key().to_bytes()).to_string();
    let addr = listener.local_addr().map(|a| a.port()).unwrap_or(args.port);
    let base = format!("http://{}:{}", args.host, addr);
    let server = Arc::new(rpc::Server::new(
        node,
        args.interval_ms == 0,
        format!("{base}/friendbot"),
    ));
    if args.interval_ms > 0 {
        let s = server.clone();
        let interval = Duration::from_millis(args.interval_ms);
        std::thread::spawn(move || loop {
            std::thread::sleep(interval);
            // A panic in one close (a bug) must not stop the chain: report it and go on.
            let closed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                s.node().close_ledger(None)
            }));
            match closed {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    eprintln!("flowfi-localnet: cannot persist ledger: {e}");
                    std::process::exit(5);
                }
                Err(_) => eprintln!("flowfi-localnet: a ledger close panicked; continuing"),
            }
        });
    }
    let mut out = std::io::stdout().lock();
    if args.print_root {
        let _ = writeln!(out, "root account={root_public} secret={root_secret}");
    }
    let _ = writeln!(
        out,
        "localnet ready rpc={base}/rpc passphrase=\"{}\"",
        args.passphrase
    );
    let _ = out.flush();
    drop(out);
    http::serve(listener, server);
    ExitCode::SUCCESS
}

//! The store-fault reproduction and soak loop (docs/store-faults.md).
//!
//! `soak run --store <store> [--faults pause,restart,stop]` starts its own `redis-server` on a
//! free loopback port (for the Redis stores), the app below as a child process (`soak server`),
//! and `--clients` browsers in a loop for `--seconds`; it injects the faults, then reports the
//! outcomes per phase, the recovery times, and the server's RSS after warm-up and at the end.
//! Everything is on 127.0.0.1, bounded in time, and stops by itself. `benches/soak/run.sh`
//! runs the documented set.

mod client;
mod server;
mod stats;

use std::collections::HashMap;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::stats::Recorder;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let options = match parse(args) {
        Ok(options) => options,
        Err(err) => {
            eprintln!("soak: {err}");
            return ExitCode::from(2);
        }
    };
    let result = match command.as_str() {
        "server" => serve(&options),
        "run" => run(&options),
        _ => Err(format!(
            "usage: soak run|server [--store cookie|redis|redis-stock|redis-stock-bounded|redis-pool] \
             [--app login|bare] [--seconds 60] [--warmup 5] [--clients 32] [--reads 8] \
             [--workers 1] [--faults pause,restart,stop,freeze] [--fault-gap 6] \
             [--timeout-ms 1000] [--client-timeout-ms 10000] [--revocations default|memory|redis]; \
             got `{command}`"
        )),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("soak: {err}");
            ExitCode::from(2)
        }
    }
}

/// `--name value` pairs.
fn parse(args: impl Iterator<Item = String>) -> Result<HashMap<String, String>, String> {
    let mut options = HashMap::new();
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let name = arg
            .strip_prefix("--")
            .ok_or_else(|| format!("expected `--option value`, got `{arg}`"))?;
        let value = args
            .next()
            .ok_or_else(|| format!("`--{name}` needs a value"))?;
        options.insert(name.to_owned(), value);
    }
    Ok(options)
}

fn get<'a>(options: &'a HashMap<String, String>, name: &str, default: &'a str) -> &'a str {
    options.get(name).map_or(default, String::as_str)
}

fn number(options: &HashMap<String, String>, name: &str, default: u64) -> Result<u64, String> {
    options.get(name).map_or(Ok(default), |value| {
        value
            .parse()
            .map_err(|_| format!("`--{name}` wants a number, got `{value}`"))
    })
}

fn serve(options: &HashMap<String, String>) -> Result<bool, String> {
    let options = server::ServerOptions {
        store: get(options, "store", "cookie").to_owned(),
        app: get(options, "app", "login").to_owned(),
        port: u16::try_from(number(options, "port", 8099)?).map_err(|err| err.to_string())?,
        workers: usize::try_from(number(options, "workers", 1)?).map_err(|err| err.to_string())?,
        redis_url: get(options, "redis-url", "redis://127.0.0.1:6379").to_owned(),
        timeout: Duration::from_millis(number(options, "timeout-ms", 1000)?),
        revocations: get(options, "revocations", "default").to_owned(),
    };
    actix_web::rt::System::new()
        .block_on(server::serve(options))
        .map(|()| true)
        .map_err(|err| err.to_string())
}

/// A child process killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|err| err.to_string())?;
    listener
        .local_addr()
        .map(|addr| addr.port())
        .map_err(|err| err.to_string())
}

/// A `redis-server` of our own, on loopback, without persistence.
struct Redis {
    port: u16,
    child: Option<Killed>,
}

impl Redis {
    fn start(port: u16) -> Result<Self, String> {
        let mut redis = Self { port, child: None };
        redis.spawn()?;
        Ok(redis)
    }

    fn spawn(&mut self) -> Result<(), String> {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .map_err(|err| format!("cannot start redis-server (install it): {err}"))?;
        self.child = Some(Killed(child));
        Ok(())
    }

    fn kill(&mut self) {
        self.child = None;
    }

    fn signal(&self, signal: &str) {
        if let Some(child) = &self.child {
            let _ = Command::new("kill")
                .args([signal, &child.0.id().to_string()])
                .status();
        }
    }

    /// One inline command; the first line of the reply.
    async fn command(&self, command: &str) -> std::io::Result<String> {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await?;
        stream
            .write_all(format!("{command}\r\n").as_bytes())
            .await?;
        let mut buf = [0u8; 64];
        let n = stream.read(&mut buf).await?;
        Ok(String::from_utf8_lossy(&buf[..n]).trim_end().to_owned())
    }

    async fn wait_ready(&self) -> Result<(), String> {
        for _ in 0..100 {
            let ping = self.command("PING");
            if let Ok(Ok(reply)) = tokio::time::timeout(Duration::from_millis(200), ping).await
                && reply == "+PONG"
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err("redis-server did not answer PING within 10 s".to_owned())
    }
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn run(options: &HashMap<String, String>) -> Result<bool, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| err.to_string())?
        .block_on(tokio::task::LocalSet::new().run_until(run_async(options)))
}

async fn run_async(options: &HashMap<String, String>) -> Result<bool, String> {
    let store = get(options, "store", "cookie").to_owned();
    let seconds = number(options, "seconds", 60)?;
    let warmup = number(options, "warmup", 5)?;
    let clients = number(options, "clients", 32)?;
    let reads = usize::try_from(number(options, "reads", 8)?).map_err(|err| err.to_string())?;
    let gap = Duration::from_secs(number(options, "fault-gap", 6)?);
    let client_timeout = Duration::from_millis(number(options, "client-timeout-ms", 10_000)?);
    let faults: Vec<String> = get(options, "faults", "")
        .split(',')
        .filter(|fault| !fault.is_empty())
        .map(str::to_owned)
        .collect();

    let mut redis = if store == "cookie" {
        None
    } else {
        let redis = Redis::start(free_port()?)?;
        redis.wait_ready().await?;
        Some(redis)
    };
    let port = free_port()?;
    let exe = std::env::current_exe().map_err(|err| err.to_string())?;
    let mut server_args: Vec<String> = vec!["server".into(), "--port".into(), port.to_string()];
    for name in ["store", "app", "workers", "timeout-ms", "revocations"] {
        if let Some(value) = options.get(name) {
            server_args.extend([format!("--{name}"), value.clone()]);
        }
    }
    if let Some(redis) = &redis {
        server_args.extend([
            "--redis-url".into(),
            format!("redis://127.0.0.1:{}", redis.port),
        ]);
    }
    let server = Killed(
        Command::new(exe)
            .args(&server_args)
            .stdout(Stdio::null())
            .spawn()
            .map_err(|err| err.to_string())?,
    );
    let pid = server.0.id();
    let mut up = false;
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if !up {
        return Err("the app did not start listening within 10 s".to_owned());
    }

    println!(
        "soak: store={store} app={} clients={clients} reads/login={reads} seconds={seconds} \
         faults={faults:?} store bound={} ms, client timeout={} ms",
        get(options, "app", "login"),
        get(options, "timeout-ms", "1000"),
        client_timeout.as_millis(),
    );
    let recorder = Recorder::default();
    recorder.phase("warm-up");
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = (1..=clients)
        .map(|id| {
            tokio::task::spawn_local(client::run(
                id,
                port,
                reads,
                client_timeout,
                deadline,
                recorder.clone(),
            ))
        })
        .collect();

    tokio::time::sleep(Duration::from_secs(warmup)).await;
    let rss_start = rss_kib(pid);
    // The RSS every 10 s after warm-up: growth shows as a slope, not a single end value.
    let samples = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let sampler = tokio::task::spawn_local({
        let samples = std::rc::Rc::clone(&samples);
        async move {
            while Instant::now() + Duration::from_secs(10) < deadline {
                tokio::time::sleep(Duration::from_secs(10)).await;
                samples.borrow_mut().extend(rss_kib(pid));
            }
        }
    });
    recorder.phase("steady");
    if let Some(redis) = &mut redis {
        for fault in &faults {
            tokio::time::sleep(gap).await;
            if Instant::now() + Duration::from_secs(4) > deadline {
                break;
            }
            recorder.phase(fault);
            inject(redis, fault).await?;
            recorder.redis_back(fault);
            recorder.phase(&format!("after {fault}"));
        }
    }
    for task in tasks {
        let _ = task.await;
    }
    let rss_end = rss_kib(pid);
    sampler.abort();
    drop(server);
    drop(redis);

    println!("\n{}", recorder.report());
    let kib = |rss: Option<u64>| rss.map_or_else(|| "?".to_owned(), |kib| format!("{kib} KiB"));
    println!(
        "server RSS: {} after warm-up, {} at the end; every 10 s after warm-up (KiB): {:?}",
        kib(rss_start),
        kib(rss_end),
        samples.borrow()
    );
    let mismatches = recorder.mismatches();
    println!("identity mismatches: {mismatches}");
    Ok(mismatches == 0)
}

async fn inject(redis: &mut Redis, fault: &str) -> Result<(), String> {
    match fault {
        // Redis holds every command for 2 s, then answers them all.
        "pause" => {
            let reply = redis
                .command("CLIENT PAUSE 2000")
                .await
                .map_err(|err| err.to_string())?;
            if reply != "+OK" {
                return Err(format!("CLIENT PAUSE answered {reply}"));
            }
            tokio::time::sleep(Duration::from_millis(2000)).await;
        }
        // A crash and an immediate restart, empty.
        "restart" => {
            redis.kill();
            redis.spawn()?;
            redis.wait_ready().await?;
        }
        // Down (connections refused) for 3 s, then back empty.
        "stop" => {
            redis.kill();
            tokio::time::sleep(Duration::from_secs(3)).await;
            redis.spawn()?;
            redis.wait_ready().await?;
        }
        // The process frozen for 3 s (connections open, nothing answered), data kept.
        "freeze" => {
            redis.signal("-STOP");
            tokio::time::sleep(Duration::from_secs(3)).await;
            redis.signal("-CONT");
            redis.wait_ready().await?;
        }
        other => {
            return Err(format!(
                "unknown fault `{other}`: pause, restart, stop, freeze"
            ));
        }
    }
    Ok(())
}

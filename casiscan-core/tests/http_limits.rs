//! The REST server against slow and idle clients (slowloris): a real server on 127.0.0.1 and
//! real TCP connections that never finish their request header.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Mutex;

use casiscan_core::Client;
use casiscan_core::http::{AppState, ServeConfig, serve_with};
use casiscan_core::providers::Providers;

/// The tests count this process's file descriptors: they must not run at the same time.
static SERIAL: Mutex<()> = Mutex::const_new(());

const PARTIAL: &[u8] = b"GET /api/openapi.json HTTP/1.1\r\nHost: casiscan\r\nX-Slow: ";
const FULL: &[u8] = b"GET /api/openapi.json HTTP/1.1\r\nHost: casiscan\r\n\r\n";

async fn start(config: ServeConfig) -> SocketAddr {
    let client = Client::open("memory:", Providers::new())
        .await
        .expect("client");
    start_with(client, config).await
}

async fn start_with(client: Client, config: ServeConfig) -> SocketAddr {
    // A listen backlog that holds every client of these tests (tokio's default is 128).
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.1:0".parse().expect("address"))
        .expect("bind");
    let listener = socket.listen(1024).expect("listen");
    let addr = listener.local_addr().expect("addr");
    let state = AppState::new(client, "admin-token-for-tests").expect("state");
    tokio::spawn(async move { serve_with(listener, state, config).await });
    addr
}

async fn connect(addr: SocketAddr, send: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    if !send.is_empty() {
        s.write_all(send).await.expect("write");
    }
    s
}

/// Reads one response (header and a `content-length` body) from a keep-alive connection.
async fn read_response(s: &mut TcpStream) -> String {
    let mut data = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = s.read(&mut chunk).await.expect("read");
        assert!(n > 0, "closed before a full response");
        data.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&data).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(str::to_owned)
                })
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                return text;
            }
        }
    }
}

/// Waits until the server closes `s` (end of file or reset); the time it took.
async fn closed_within(s: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut sink = Vec::new();
    match tokio::time::timeout(limit, s.read_to_end(&mut sink)).await {
        Ok(_) => Some(started.elapsed()),
        Err(_) => None,
    }
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_headers_and_idle_keep_alive_are_closed_after_the_header_timeout() {
    let _serial = SERIAL.lock().await;
    // Long enough that a loaded machine's stalls do not reach it before the checks below.
    let timeout = Duration::from_secs(6);
    let body_timeout = Duration::from_secs(1);
    let addr = start(ServeConfig {
        header_read_timeout: timeout,
        body_read_timeout: body_timeout,
        max_connections: 256,
        ..ServeConfig::default()
    })
    .await;
    let opened = Instant::now();
    let mut held = Vec::new();
    for i in 0..100 {
        // Half send part of a header, half send nothing at all.
        held.push(connect(addr, if i % 2 == 0 { PARTIAL } else { b"" }).await);
    }
    // A keep-alive connection that made one request and then goes quiet.
    let mut kept = connect(addr, FULL).await;
    assert!(read_response(&mut kept).await.starts_with("HTTP/1.1 200"));
    // A request whose body never arrives, timed from before it is sent (so the time measured
    // is never shorter than the server's wait) while the rest of the test goes on. It carries
    // valid credentials: without them it is answered 401 at once, its body never awaited.
    let body_sent = Instant::now();
    let mut no_body = connect(
        addr,
        b"POST /api/add-scan HTTP/1.1\r\nHost: casiscan\r\nAuthorization: Bearer admin-token-for-tests\r\nContent-Length: 100\r\n\r\n{\"own",
    )
    .await;
    let stalled = tokio::spawn(async move {
        let mut rest = Vec::new();
        let ended = tokio::time::timeout(body_timeout * 5, no_body.read_to_end(&mut rest)).await;
        (ended.is_ok(), body_sent.elapsed(), rest)
    });

    // While they are held, a normal request is served at once.
    let mut normal = connect(addr, FULL).await;
    let served = tokio::time::timeout(Duration::from_secs(3), read_response(&mut normal))
        .await
        .expect("a normal request is served while the slow ones are held");
    assert!(served.starts_with("HTTP/1.1 200"), "{served}");
    assert!(
        opened.elapsed() < timeout,
        "the check ran before the timeout"
    );

    for (i, s) in held.iter_mut().enumerate() {
        let after = closed_within(s, timeout * 4)
            .await
            .unwrap_or_else(|| panic!("connection {i} still open after {:?}", timeout * 4));
        assert!(
            opened.elapsed() + after >= timeout.mul_f32(0.9),
            "closed too early"
        );
    }
    assert!(
        closed_within(&mut kept, timeout * 3).await.is_some(),
        "idle keep-alive closed"
    );
    // The body timeout ends the request (an error answer, or a plain close): not before the
    // timeout, and well before five times it.
    let (ended, after, rest) = stalled.await.expect("the stalled body's task");
    assert!(
        ended,
        "a stalled body is still waited for after {after:?} ({body_timeout:?} timeout)"
    );
    assert!(
        after >= body_timeout.mul_f32(0.9),
        "the stalled body was given up after {after:?}, before its {body_timeout:?} timeout: {}",
        String::from_utf8_lossy(&rest)
    );
    assert!(
        rest.is_empty() || String::from_utf8_lossy(&rest).starts_with("HTTP/1.1 4"),
        "{}",
        String::from_utf8_lossy(&rest)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_idle_connections_take_no_more_than_the_limit_of_descriptors() {
    let _serial = SERIAL.lock().await;
    let limit = 8;
    // Long enough that the slow clients surely still hold their slots when descriptors are
    // counted, on a loaded machine too.
    let timeout = Duration::from_secs(6);
    let addr = start(ServeConfig {
        header_read_timeout: timeout,
        body_read_timeout: Duration::from_secs(2),
        max_connections: limit,
        ..ServeConfig::default()
    })
    .await;
    // Fill every slot with a slow client.
    let started = Instant::now();
    let mut slow = Vec::new();
    for _ in 0..limit {
        slow.push(connect(addr, PARTIAL).await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    // A real request now waits in the listen backlog...
    let mut waiting = connect(addr, FULL).await;
    // ...and so do three hundred more idle clients, without a server-side descriptor each.
    let before = open_fds();
    let mut idle = Vec::new();
    for _ in 0..300 {
        idle.push(connect(addr, PARTIAL).await);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let grown = open_fds().saturating_sub(before);
    assert!(
        grown <= 300 + 4,
        "{grown} descriptors for 300 client sockets: the server accepted past its limit"
    );
    // Once the slow clients time out, the waiting request is next in the backlog: not before.
    let answer = tokio::time::timeout(timeout * 3, read_response(&mut waiting))
        .await
        .expect("served once a slot frees up");
    let answered = started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answered >= timeout.mul_f32(0.9),
        "served at {answered:?}, before a slot was free: the limit did not hold"
    );
    for s in &mut slow {
        assert!(
            closed_within(s, timeout).await.is_some(),
            "slow client closed"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_dripped_inside_the_chunk_timeout_is_cut_at_the_total_timeout() {
    let _serial = SERIAL.lock().await;
    let total = Duration::from_secs(3);
    let addr = start(ServeConfig {
        body_read_timeout: Duration::from_secs(2),
        body_total_timeout: total,
        ..ServeConfig::default()
    })
    .await;
    let sent = Instant::now();
    let s = connect(
        addr,
        b"POST /api/add-scan HTTP/1.1\r\nHost: casiscan\r\nAuthorization: Bearer admin-token-for-tests\r\nContent-Length: 1000\r\n\r\n",
    )
    .await;
    let (mut read, mut write) = s.into_split();
    // One byte every 400 ms: each chunk well inside the 2 s between chunks, the whole far
    // beyond the 3 s total.
    let drip = tokio::spawn(async move {
        for _ in 0..1000 {
            tokio::time::sleep(Duration::from_millis(400)).await;
            if write.write_all(b" ").await.is_err() {
                break;
            }
        }
    });
    let mut answer = Vec::new();
    let read_all = tokio::time::timeout(total * 4, read.read_to_end(&mut answer)).await;
    let took = sent.elapsed();
    drip.abort();
    assert!(read_all.is_ok(), "still open after {took:?}");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.contains("did not arrive whole within 3 s"),
        "{answer}"
    );
    assert!(
        took >= total.mul_f32(0.9),
        "cut after {took:?}, before {total:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_the_client_does_not_read_closes_its_connection_after_the_write_timeout() {
    use casiscan_core::model::Scan;
    let _serial = SERIAL.lock().await;
    let client = Client::open("memory:", Providers::new())
        .await
        .expect("client");
    // About 20 MB of scan list: more than the kernel buffers of both ends hold.
    for i in 0..5000 {
        let mut scan = Scan::new("admin", format!("s{i:05}"));
        scan.target = "127.0.0.1".into();
        scan.display_name = "x".repeat(4000);
        client.add_scan(&scan).await.expect("add scan");
    }
    let addr = start_with(
        client,
        ServeConfig {
            write_timeout: Duration::from_secs(2),
            ..ServeConfig::default()
        },
    )
    .await;
    const LIST: &[u8] = b"GET /api/get-scans?owner=admin HTTP/1.1\r\nHost: casiscan\r\nAuthorization: Bearer admin-token-for-tests\r\n\r\n";
    // A client that reads takes the whole answer (and then the connection is closed).
    let mut reading = connect(
        addr,
        b"GET /api/get-scans?owner=admin HTTP/1.1\r\nHost: casiscan\r\nConnection: close\r\nAuthorization: Bearer admin-token-for-tests\r\n\r\n",
    )
    .await;
    let mut whole = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), reading.read_to_end(&mut whole))
        .await
        .expect("a reading client is answered")
        .expect("read");
    assert!(
        whole.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&whole[..whole.len().min(300)])
    );
    assert!(whole.len() > 20_000_000, "{} bytes", whole.len());
    // A client with a small window that stops reading: the server gives up on it.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("receive buffer");
    let mut stalled = socket.connect(addr).await.expect("connect");
    stalled.write_all(LIST).await.expect("request");
    // Once the answer has started (the server writes), stop reading for well past the limit.
    let mut got = vec![0u8; 16];
    tokio::time::timeout(Duration::from_secs(60), stalled.read_exact(&mut got))
        .await
        .expect("the answer starts")
        .expect("read");
    tokio::time::sleep(Duration::from_secs(6)).await;
    let ended = tokio::time::timeout(Duration::from_secs(30), async {
        let mut chunk = vec![0u8; 1 << 16];
        loop {
            match stalled.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the stalled connection is still open");
    assert!(
        got.starts_with(b"HTTP/1.1 200") && got.len() < whole.len() / 2,
        "{} of {} bytes reached the stalled client",
        got.len(),
        whole.len()
    );
}

//! Web UI benchmark: 100,000 incidents in SQLite, the dashboard and the map rendered
//! server-side (in-process, through the whole router and middleware), p50/p95 in ms and
//! the page weights; then, when Debian's chromium and chromedriver are installed, the
//! first contentful paint of both pages in headless Chromium over a real socket.
//!
//! ```text
//! cargo run --release -p aman-server --example bench_ui -- [INCIDENTS] [RUNS]
//! ```
//!
//! The incidents are written straight into the `incidents` table (the benchmark is about
//! reading them back); their points are spread over southern Kyrgyzstan and assigned to
//! admin areas by the built-in boundaries, their days over June–August 2010.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aman_core::{EventType, SystemClock, VerificationStatus};
use aman_geo::Geocoder;
use aman_server::{app, AppState};
use aman_store::{SqlStore, Store, Who};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use tower::ServiceExt;

const PASSWORD: &str = "benchmark password";

/// Answers the page's first contentful paint in ms once Chromium has recorded it.
const PAINT: &str = "const done = arguments[arguments.length - 1]; \
    new PerformanceObserver((l) => { \
      const e = l.getEntriesByName('first-contentful-paint')[0]; if (e) done(e.startTime); \
    }).observe({type: 'paint', buffered: true}); \
    setTimeout(() => done(-1), 5000);";

fn seed(path: &std::path::Path, n: usize, geocoder: &Geocoder) {
    let mut c = rusqlite::Connection::open(path).unwrap();
    let tx = c.transaction().unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(2010);
    let june = chrono::NaiveDate::from_ymd_opt(2010, 6, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp();
    {
        let mut ins = tx
            .prepare(
                "INSERT INTO incidents (title, status, confidence, event_mask, event_start, event_end, latitude, longitude, \
                 admin1_code, admin1_name, admin2_code, admin2_name, place_name, killed_min, killed_max, report_count, \
                 source_count, synthetic, created_by, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1,'bench',?)",
            )
            .unwrap();
        for i in 0..n {
            // Most incidents around Osh and Jalal-Abad, some anywhere in the south.
            let (lat, lon) = if rng.gen_bool(0.8) {
                let (clat, clon) = if rng.gen_bool(0.6) {
                    (40.53, 72.80)
                } else {
                    (40.93, 73.00)
                };
                (
                    clat + rng.gen_range(-0.15..0.15),
                    clon + rng.gen_range(-0.2..0.2),
                )
            } else {
                (rng.gen_range(39.5..41.5), rng.gen_range(70.0..74.5))
            };
            let admin = geocoder.admin_index().locate(lat, lon);
            let a1 = admin.as_ref().and_then(|a| a.admin1.clone());
            let a2 = admin.as_ref().and_then(|a| a.admin2.clone());
            let t1 = EventType::ALL[rng.gen_range(0..EventType::ALL.len())];
            let t2 = EventType::ALL[rng.gen_range(0..EventType::ALL.len())];
            let status = VerificationStatus::ALL[rng.gen_range(0..VerificationStatus::ALL.len())];
            let start = june + rng.gen_range(0..92 * 86_400);
            let killed: i64 = rng.gen_range(0..4);
            ins.execute(rusqlite::params![
                format!("Incident {i}"),
                status.code(),
                rng.gen_range(0.1..0.99),
                EventType::mask(&[t1, t2]),
                start,
                start + 3600,
                lat,
                lon,
                a1.as_ref().map(|a| a.code.clone()),
                a1.as_ref().map(|a| a.name.clone()),
                a2.as_ref().map(|a| a.code.clone()),
                a2.as_ref().map(|a| a.name.clone()),
                "somewhere",
                killed,
                killed + rng.gen_range(0..3),
                rng.gen_range(1..5),
                rng.gen_range(1..4),
                start,
            ])
            .unwrap();
        }
    }
    tx.commit().unwrap();
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let runs: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(40);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aman.db");
    let geocoder = Arc::new(Geocoder::builtin());
    let store: Arc<dyn Store> = Arc::new(SqlStore::sqlite(&path, Arc::new(SystemClock)).unwrap());
    let t = Instant::now();
    seed(&path, n, &geocoder);
    println!(
        "seeded {n} incidents into SQLite in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    store
        .create_user(
            &Who::system(),
            "bench",
            aman_core::Role::Analyst,
            &aman_service::auth::hash_password(PASSWORD).unwrap(),
        )
        .unwrap();
    let session = aman_service::auth::login(store.as_ref(), "bench", PASSWORD).unwrap();
    let cookie = format!("aman_session={}", session.token);
    let router = app(AppState::new(store.clone(), geocoder.clone()));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!("page                         p50 ms   p95 ms   bytes");
    for page in [
        "/dashboard",
        "/map",
        "/map?type=arson&status=verified",
        "/incidents",
        "/reports",
    ] {
        let mut times = Vec::new();
        let mut bytes = 0;
        for _ in 0..runs {
            let req = Request::get(page)
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap();
            let t = Instant::now();
            let body = rt.block_on(async {
                let res = router.clone().oneshot(req).await.unwrap();
                assert_eq!(res.status(), StatusCode::OK, "{page}");
                res.into_body().collect().await.unwrap().to_bytes()
            });
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            bytes = body.len();
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{page:<28} {:>7.1}  {:>7.1}  {bytes:>7}",
            percentile(&times, 0.5),
            percentile(&times, 0.95)
        );
    }
    match paint(&router, &rt, &cookie) {
        Ok(lines) => lines.iter().for_each(|l| println!("{l}")),
        Err(why) => println!("first contentful paint not measured: {why}"),
    }
}

fn find_program(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// One HTTP/1.1 exchange with chromedriver (which keeps connections open, so the
/// body is read by its `Content-Length`).
fn http(port: u16, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{payload}",
        payload.len()
    )
    .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        let n = s.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..i]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if raw.len() >= i + 4 + len {
                let body = String::from_utf8_lossy(&raw[i + 4..i + 4 + len]).into_owned();
                return serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"));
            }
        }
    }
    Err("connection closed early".into())
}

/// First contentful paint of the dashboard and the map in headless Chromium, the
/// server on a real socket; the median of five loads each.
fn paint(
    router: &axum::Router,
    rt: &tokio::runtime::Runtime,
    cookie: &str,
) -> Result<Vec<String>, String> {
    let chromium = find_program("chromium").ok_or("chromium is not installed")?;
    let driver = find_program("chromedriver").ok_or("chromedriver is not installed")?;
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let served = router.clone();
    rt.spawn(async move { axum::serve(listener, served).await });
    let dport = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let mut child = Command::new(driver)
        .arg(format!("--port={dport}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let result = (|| {
        let start = Instant::now();
        while http(dport, "GET", "/status", None).is_err() {
            if start.elapsed() > Duration::from_secs(20) {
                return Err("chromedriver did not start".to_string());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let s = http(
            dport,
            "POST",
            "/session",
            Some(
                json!({"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
                    "binary": chromium,
                    "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"]
                }}}}),
            ),
        )?;
        let id = s["value"]["sessionId"]
            .as_str()
            .ok_or(format!("no session: {s}"))?
            .to_string();
        let base = format!("http://127.0.0.1:{port}");
        let go = |path: &str| {
            http(
                dport,
                "POST",
                &format!("/session/{id}/url"),
                Some(json!({"url": format!("{base}{path}")})),
            )
        };
        go("/login")?;
        let (name, value) = cookie.split_once('=').unwrap_or_default();
        http(
            dport,
            "POST",
            &format!("/session/{id}/cookie"),
            Some(json!({"cookie": {"name": name, "value": value, "path": "/"}})),
        )?;
        let mut lines = Vec::new();
        for page in ["/dashboard", "/map"] {
            let mut fcp = Vec::new();
            for _ in 0..5 {
                go(page)?;
                let v = http(
                    dport,
                    "POST",
                    &format!("/session/{id}/execute/async"),
                    // The paint entry is recorded after load: wait for it.
                    Some(json!({"script": PAINT, "args": []})),
                )?;
                fcp.push(v["value"].as_f64().unwrap_or(-1.0));
            }
            fcp.sort_by(f64::total_cmp);
            lines.push(format!(
                "first contentful paint {page}: {:.0} ms (median of 5; {fcp:?})",
                fcp[2]
            ));
        }
        let _ = http(dport, "DELETE", &format!("/session/{id}"), None);
        Ok(lines)
    })();
    let _ = child.kill();
    let _ = child.wait();
    result
}

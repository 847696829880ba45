//! The `service` example as a real child process: it says it is ready (in its log and, when
//! `NOTIFY_SOCKET` is set, to the socket, as systemd's protocol has it), stops in reverse
//! start order on SIGTERM with exit code 0, and exits with a failure code, naming the failing
//! child, when its root gives up.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Every wait is bounded: a service that never answers fails the test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(60);

/// Starts the service with `env`, its log lines sent to the returned channel as they come.
fn start(env: &[(&str, &str)]) -> (Child, mpsc::Receiver<String>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_service"));
    command
        .env_remove("RUST_LOG")
        .env_remove("NOTIFY_SOCKET")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("the service did not start");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// Reads log lines until one contains `needle`; returns every line read.
fn wait_for(lines: &mpsc::Receiver<String>, needle: &str) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        match lines.recv_timeout(PATIENCE) {
            Ok(line) => {
                let done = line.contains(needle);
                seen.push(line);
                if done {
                    return seen;
                }
            }
            Err(_) => panic!("no log line with `{needle}` in {seen:#?}"),
        }
    }
}

/// Waits for the process to exit; its exit code.
fn exit_code(child: &mut Child) -> i32 {
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().expect("killed by a signal");
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the service did not exit"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn send_sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("no kill command");
    assert!(status.success());
}

#[test]
fn sigterm_stops_the_service_in_reverse_start_order_with_exit_code_zero() {
    let (mut child, lines) = start(&[]);
    wait_for(&lines, "the tree is ready");
    send_sigterm(&child);
    let after: Vec<String> = wait_for(&lines, "the tree has ended");
    let stops: Vec<&str> = after
        .iter()
        .filter_map(|l| {
            ["web stopped", "cache stopped", "database stopped"]
                .into_iter()
                .find(|s| l.contains(s))
        })
        .collect();
    assert_eq!(stops, ["web stopped", "cache stopped", "database stopped"]);
    assert!(after.iter().any(|l| l.contains("SIGTERM")), "{after:#?}");
    assert_eq!(exit_code(&mut child), 0);
}

#[test]
fn a_root_that_gives_up_is_a_failure_exit_code_with_the_failing_child_logged() {
    let (mut child, lines) = start(&[("SERVICE_DB_FAILS", "1")]);
    let seen = wait_for(&lines, "the tree failed");
    let failed = seen.last().unwrap();
    assert!(
        failed.contains("`app/db` failed") && failed.contains("connection to 127.0.0.1:5432 lost"),
        "{failed}"
    );
    assert_eq!(exit_code(&mut child), 1);
}

#[test]
fn a_service_under_systemd_says_ready_then_stopping_on_its_notify_socket() {
    use std::os::unix::net::UnixDatagram;
    let dir = std::env::temp_dir().join(format!("supervisor-notify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("notify.sock");
    let _ = std::fs::remove_file(&path);
    let socket = UnixDatagram::bind(&path).unwrap();
    socket.set_read_timeout(Some(PATIENCE)).unwrap();
    let (mut child, lines) = start(&[("NOTIFY_SOCKET", path.to_str().unwrap())]);
    let mut buffer = [0u8; 256];
    let n = socket
        .recv(&mut buffer)
        .expect("no READY=1 on the notify socket");
    assert_eq!(&buffer[..n], b"READY=1");
    wait_for(&lines, "the tree is ready");
    send_sigterm(&child);
    let n = socket
        .recv(&mut buffer)
        .expect("no STOPPING=1 on the notify socket");
    assert_eq!(&buffer[..n], b"STOPPING=1");
    assert_eq!(exit_code(&mut child), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

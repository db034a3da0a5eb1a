//! A fault-injecting TCP proxy on the loopback interface between the users and the server.
//!
//! Every simulated user connects to the proxy, never to the server directly, so the proxy can
//! hold a connection before forwarding it (delay), close it at once (drop), or reset it with an
//! RST at a random moment within its first seconds (reset), whatever is in flight. Choices come
//! from a seeded generator, one per accepted connection in order. It listens on 127.0.0.1 only
//! and forwards to the server's loopback address only.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::Serialize;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use super::plan::NetFaults;

/// The running proxy.
#[derive(Debug)]
pub struct Proxy {
    /// Where clients connect.
    pub addr: SocketAddr,
    /// What it did so far.
    pub stats: Arc<ProxyStats>,
}

/// Counts of connections and injected faults.
#[derive(Debug, Default)]
pub struct ProxyStats {
    connections: AtomicU64,
    delayed: AtomicU64,
    dropped: AtomicU64,
    reset: AtomicU64,
    upstream_refused: AtomicU64,
}

/// A copy of [`ProxyStats`] for the report.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ProxyCounts {
    /// Connections accepted.
    pub connections: u64,
    /// Connections held before forwarding.
    pub delayed: u64,
    /// Connections closed at once.
    pub dropped: u64,
    /// Connections reset mid-way.
    pub reset: u64,
    /// Connections the server refused (it was down).
    pub upstream_refused: u64,
}

impl ProxyStats {
    /// The counts now.
    pub fn counts(&self) -> ProxyCounts {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        ProxyCounts {
            connections: get(&self.connections),
            delayed: get(&self.delayed),
            dropped: get(&self.dropped),
            reset: get(&self.reset),
            upstream_refused: get(&self.upstream_refused),
        }
    }
}

/// What happens to one connection.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    None,
    Delay(Duration),
    Drop,
    Reset(Duration),
}

/// Starts the proxy on an ephemeral loopback port, forwarding to `upstream`, until `stop`.
pub async fn start(
    upstream: SocketAddr,
    faults: NetFaults,
    seed: u64,
    stop: CancellationToken,
) -> anyhow::Result<Proxy> {
    anyhow::ensure!(
        upstream.ip().is_loopback(),
        "the proxy forwards to loopback addresses only"
    );
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let stats = Arc::new(ProxyStats::default());
    tokio::spawn(accept_loop(
        listener,
        upstream,
        faults,
        seed,
        stats.clone(),
        stop,
    ));
    Ok(Proxy { addr, stats })
}

async fn accept_loop(
    listener: TcpListener,
    upstream: SocketAddr,
    faults: NetFaults,
    seed: u64,
    stats: Arc<ProxyStats>,
    stop: CancellationToken,
) {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed_f9e7);
    loop {
        let accepted = tokio::select! {
            () = stop.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((client, _)) = accepted else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        stats.connections.fetch_add(1, Ordering::Relaxed);
        let fault = choose(&mut rng, &faults);
        let (stats, stop) = (stats.clone(), stop.clone());
        tokio::spawn(async move {
            tokio::select! {
                () = stop.cancelled() => {}
                () = serve(client, upstream, fault, &stats) => {}
            }
        });
    }
}

fn choose(rng: &mut StdRng, faults: &NetFaults) -> Fault {
    let roll: f64 = rng.random_range(0.0..1.0);
    let delay_ms = rng.random_range(faults.delay_ms.0..=faults.delay_ms.1.max(faults.delay_ms.0));
    let reset_ms = rng.random_range(0..=faults.reset_within_ms);
    if roll < faults.drop {
        Fault::Drop
    } else if roll < faults.drop + faults.reset {
        Fault::Reset(Duration::from_millis(reset_ms))
    } else if roll < faults.drop + faults.reset + faults.delay {
        Fault::Delay(Duration::from_millis(delay_ms))
    } else {
        Fault::None
    }
}

async fn serve(client: TcpStream, upstream: SocketAddr, fault: Fault, stats: &ProxyStats) {
    match fault {
        Fault::Drop => {
            stats.dropped.fetch_add(1, Ordering::Relaxed);
            reset(&client);
        }
        Fault::Delay(hold) => {
            stats.delayed.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(hold).await;
            forward(client, upstream, None, stats).await;
        }
        Fault::Reset(after) => forward(client, upstream, Some(after), stats).await,
        Fault::None => forward(client, upstream, None, stats).await,
    }
}

/// Copies both ways until either side closes, or resets both sides after `reset_after`.
async fn forward(
    mut client: TcpStream,
    upstream: SocketAddr,
    reset_after: Option<Duration>,
    stats: &ProxyStats,
) {
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        stats.upstream_refused.fetch_add(1, Ordering::Relaxed);
        reset(&client);
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let copy = tokio::io::copy_bidirectional(&mut client, &mut server);
    match reset_after {
        None => {
            let _ = copy.await;
        }
        Some(after) => {
            if tokio::time::timeout(after, copy).await.is_err() {
                stats.reset.fetch_add(1, Ordering::Relaxed);
                reset(&client);
                reset(&server);
            }
        }
    }
}

/// Makes the close of `stream` an RST instead of a FIN.
fn reset(stream: &TcpStream) {
    let _ = stream.set_zero_linger();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_choices_follow_the_rates_and_the_seed() {
        let faults = NetFaults {
            delay: 0.2,
            delay_ms: (1, 5),
            drop: 0.1,
            reset: 0.1,
            reset_within_ms: 100,
        };
        let draw = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..10_000)
                .map(|_| choose(&mut rng, &faults))
                .collect::<Vec<_>>()
        };

        let first = draw(7);
        let again = draw(7);
        let drops = first.iter().filter(|f| **f == Fault::Drop).count();
        let clean = first.iter().filter(|f| **f == Fault::None).count();

        assert_eq!(first, again);
        assert!((800..1200).contains(&drops), "{drops}");
        assert!((5600..6400).contains(&clean), "{clean}");
        assert_eq!(
            choose(&mut StdRng::seed_from_u64(1), &NetFaults::NONE),
            Fault::None
        );
    }
}

//! Integration tests of the supervision runtime, all on real ractor actors.
//!
//! One test binary with a module per area. The registry is process-global and tests run in
//! parallel, so every test names its actors with `support::unique`.

mod caller;
mod chaos;
mod factory;
mod health;
mod intensity;
mod restart;
mod shutdown;
mod strategies;
mod support;

//! Integration tests: the real binary over stdio with rmcp's client, and the in-process
//! runtime for supervision, driven the way an MCP client would.

mod bad_input;
mod chaos;
mod common;
mod formats;
mod generation;
mod http;
mod http_lifecycle;
mod http_security;
mod http_server;
mod parity;
mod parity_chords;
mod round_trip;
mod stdio;
mod stress;
mod supervision;

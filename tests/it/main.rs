//! Integration tests: the real binary over stdio with rmcp's client, and the in-process
//! runtime for supervision, driven the way an MCP client would.

mod bad_input;
mod common;
mod parity;
mod stdio;
mod supervision;

//! The `mynacard` command's library part: what other programs of the project share with it.

pub mod http;

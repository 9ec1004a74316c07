//! Shared by the benchmarks, the load test driver and the server's tests.

pub mod changes;

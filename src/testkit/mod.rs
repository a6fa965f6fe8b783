//! A local authorization server for tests and demos (feature `testkit`).

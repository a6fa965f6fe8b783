fn main() {
    #[cfg(feature = "testkit")]
    println!("testkit on");
}

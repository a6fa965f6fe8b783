//! Prints its arguments: the std-only base for examples/size/build.sh.

fn main() {
    println!("{:?}", std::env::args().collect::<Vec<_>>());
}

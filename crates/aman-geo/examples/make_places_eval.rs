//! Writes the labelled evaluation set generated from the built-in gazetteer.
//!
//!     cargo run -p aman-geo --example make_places_eval > crates/aman-geo/eval/places_labelled.tsv

/// The seed the committed file was made with.
const SEED: u64 = 20100610;

fn main() {
    let gaz = aman_geo::Gazetteer::builtin();
    let rows = aman_geo::evalset::generate_labelled(&gaz, SEED);
    print!("{}", aman_geo::evalset::to_tsv(&rows));
}

//! Geocodes each argument with the built-in gazetteer and prints the resolution as JSON
//! (what `aman geocode "…" --json` prints).
//!
//!     cargo run -p aman-geo --example geocode -- "мкр. Черемушки, г. Ош" "Suzak raion"

fn main() {
    let g = aman_geo::Geocoder::builtin();
    for q in std::env::args().skip(1) {
        let r = g.resolve(&q);
        println!("{}", serde_json::to_string(&r).unwrap_or_default());
    }
}

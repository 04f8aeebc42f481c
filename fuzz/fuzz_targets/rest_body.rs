//! REST request bodies: the JSON of a Scan or an Asset (the first byte's low bit chooses) read
//! as the handlers read it, then what the handlers do with one (id, text limits, target, config
//! copy).
use casiscan_core::model::{Asset, Scan};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Some((&which, body)) = data.split_first() else {
            return;
        };
        if which & 1 == 0 {
            if let Ok(mut scan) = serde_json::from_slice::<Scan>(body) {
                let _ = scan.id();
                let _ = scan.check_text_fields();
                let copy = scan.clone();
                scan.apply_config(&copy);
                scan.reset_results();
                let _ = serde_json::to_vec(&scan);
            }
        } else if let Ok(asset) = serde_json::from_slice::<Asset>(body) {
            let _ = asset.validate();
            let _ = asset.scan_target();
            let _ = serde_json::to_vec(&asset);
        }
    });
}

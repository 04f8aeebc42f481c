//! Scan targets (host name, address, CIDR, range): parsing, then what is asked of a target.
use casiscan_core::model::Target;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        if let Ok(text) = std::str::from_utf8(data)
            && let Ok(target) = text.parse::<Target>()
        {
            let _ = target.as_arg();
            let _ = target.is_loopback();
            let _ = target.address_count();
            let _ = target.reserved_reason();
        }
    });
}

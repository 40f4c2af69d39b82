//! Sizes and addresses as people type and read them.

/// Formats a byte count the way kernel people say it (4K, 2M, 1G, 512G, 8T, else hex).
pub fn human_size(n: u128) -> String {
    const UNITS: [(u32, &str); 6] = [
        (60, "E"),
        (50, "P"),
        (40, "T"),
        (30, "G"),
        (20, "M"),
        (10, "K"),
    ];
    for (shift, u) in UNITS {
        let unit = 1u128 << shift;
        if n >= unit {
            return if n % unit == 0 {
                format!("{}{u}", n >> shift)
            } else {
                // Tenths by integer arithmetic: float formatting would add ~12 KB of wasm.
                let tenths = (n * 10 + unit / 2) >> shift;
                format!("≈{}.{}{u}", tenths / 10, tenths % 10)
            };
        }
    }
    format!("{n}B")
}

/// Parses a hex address (`0x` optional), as the scenario language does.
pub fn parse_addr(s: &str) -> Result<u64, String> {
    let s = s.trim();
    freepgt::scenario::parse_hex(s).map_err(|e| format!("{s:?}: {e}"))
}

/// Parses a size: `8K`, `2M`, `1G`, `1T` (decimal with a binary unit, `KiB`/`KB` also
/// accepted), or a hex byte count like `0x3000` / `3000` (as in the scenario language).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let upper = t.to_ascii_uppercase();
    let stripped = upper
        .strip_suffix("IB")
        .or_else(|| upper.strip_suffix('B'))
        .unwrap_or(&upper);
    let unit = match stripped.chars().last() {
        Some('K') => Some(10),
        Some('M') => Some(20),
        Some('G') => Some(30),
        Some('T') => Some(40),
        _ => None,
    };
    let bad = || format!("size {t:?}: use e.g. 8K, 2M, 1G or a hex byte count");
    match unit {
        Some(shift) => {
            let num = stripped[..stripped.len() - 1].trim();
            let n: u64 = num.parse().map_err(|_| bad())?;
            n.checked_mul(1 << shift).ok_or_else(bad)
        }
        None if !t.is_empty() => freepgt::scenario::parse_hex(t).map_err(|_| bad()),
        None => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_units_and_hex() {
        assert_eq!(parse_size("8K"), Ok(0x2000));
        assert_eq!(parse_size("2M"), Ok(0x200000));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert_eq!(parse_size("4 KiB"), Ok(4096));
        assert_eq!(parse_size("0x3000"), Ok(0x3000));
        assert_eq!(parse_size("3000"), Ok(0x3000));
        assert!(parse_size("").is_err());
        assert!(parse_size("2X").is_err());
        assert_eq!(human_size(0x200000), "2M");
        assert_eq!(human_size(1 << 39), "512G");
        assert_eq!(human_size(0x1800), "6K");
        assert_eq!(human_size((1 << 40) + (1 << 39) + 4096), "≈1.5T");
    }
}

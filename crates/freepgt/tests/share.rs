//! Share links: the frozen fixture of old links, round trips of both forms, and a fuzz target
//! for the decoder.
//!
//! The fuzz target runs 256 cases in the default test run; the full run is a command:
//! `PROPTEST_CASES=1000000 cargo test --release -p freepgt --test share -- --ignored`.

use freepgt::share::{bodies, decode, encode_with_form, Form, Shared, StepRef};
use freepgt::{presets, ArchId, Scenario};
use proptest::prelude::*;

fn canonical(text: &str) -> String {
    Scenario::parse(text).expect("valid scenario").to_text()
}

#[test]
fn every_frozen_link_still_decodes_to_its_scenario() {
    let fixture = include_str!("fixtures/share-urls.txt");
    let mut checked = 0;
    for entry in fixture.split("\n== ").skip(1) {
        let mut lines = entry.lines();
        let fragment = lines.next().unwrap();
        let meta = lines.next().unwrap();
        let expected: String = lines.map(|l| format!("{l}\n")).collect();
        let state = decode(fragment).unwrap_or_else(|e| panic!("{fragment}: {e}"));
        assert_eq!(canonical(&state.text), canonical(&expected), "{fragment}");
        let step = state.step.map_or("-".to_string(), |s| s.to_string());
        assert_eq!(
            meta,
            format!(
                "step={step} embed={} compare={}",
                state.embed as u8, state.compare as u8
            ),
            "{fragment}"
        );
        checked += 1;
    }
    assert!(checked >= 7, "fixture has {checked} entries");
}

#[test]
fn preset_links_round_trip_and_meet_the_budgets() {
    for p in presets::ALL {
        let text = canonical(&p.text());
        let state = Shared {
            text: text.clone(),
            step: Some(StepRef {
                command: 3,
                event: Some(1),
            }),
            ..Shared::default()
        };
        let (frag, _) = encode_with_form(&state);
        assert_eq!(decode(&frag).unwrap(), state, "{}", p.id);
    }
    // The typical process's link fits in 300 characters even behind a 30-character base.
    let typical = canonical(&presets::find("typical").unwrap().text());
    let (frag, form) = encode_with_form(&Shared {
        text: typical,
        ..Shared::default()
    });
    assert_eq!(form, Form::Compact);
    assert!(
        frag.len() + 30 <= 300,
        "typical link fragment is {} chars",
        frag.len()
    );
}

fn scenario_text() -> impl Strategy<Value = String> {
    (
        prop::sample::select(ArchId::ALL.to_vec()),
        // The header lines of issue 11, in any order after arch (and kernel).
        prop::sample::subsequence(
            vec![
                "config preempt\n",
                "max_map_count 12\n",
                "first_user_address 0x2000\n",
            ],
            0..=3,
        )
        .prop_shuffle(),
        prop::collection::vec((0u8..4, 0u64..1 << 20, 1u64..64, "[a-z.]{0,6}"), 0..120),
    )
        .prop_map(|(arch, header, ops)| {
            let page = arch.arch().page_size();
            let mut s = format!("arch {arch}\n");
            for h in header {
                s.push_str(h);
            }
            for (kind, at, len, name) in ops {
                let (a, e) = (at * page, (at + len) * page);
                let line = match kind {
                    0 if !name.is_empty() => format!("vma {a:#x} {e:#x} {name}\n"),
                    0 => format!("vma {a:#x} {e:#x}\n"),
                    1 => format!("touch {a:#x}\n"),
                    2 => format!("munmap {a:#x} {e:#x}\n"),
                    _ => "exit\n".to_string(),
                };
                s.push_str(&line);
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// scenario -> URL -> scenario, whichever form the encoder picks, with step and flags.
    #[test]
    fn round_trip(text in scenario_text(), step in proptest::option::of((0usize..200, proptest::option::of(0usize..50))),
                  embed in any::<bool>(), compare in any::<bool>()) {
        let step = step.map(|(command, event)| StepRef { command, event });
        let state = Shared { text, step, embed, compare, example: None };
        let (frag, form) = encode_with_form(&state);
        prop_assert_eq!(decode(&frag).unwrap(), state.clone());
        // The decoded text parses to the same scenario (header lines included).
        let decoded = decode(&frag).unwrap().text;
        prop_assert_eq!(
            Scenario::parse_prefix(&decoded).scenario,
            Scenario::parse_prefix(&state.text).scenario
        );
        prop_assert_eq!(decode(&format!("#{frag}")).unwrap(), state.clone());
        // The compact form is chosen exactly when it is at least 20% shorter than readable.
        let (readable, compact) = bodies(&state.text);
        let compact_wins = compact.len() * 5 <= readable.len() * 4;
        prop_assert_eq!(form == Form::Compact, compact_wins);
        let body = if compact_wins { format!("&z={compact}") } else { format!("&s={readable}") };
        prop_assert!(frag.contains(&body));
    }
}

/// Mutations of valid links: truncation, flipped characters, spliced garbage.
fn hostile_fragment() -> impl Strategy<Value = String> {
    (
        scenario_text(),
        any::<bool>(),
        any::<prop::sample::Index>(),
        "\\PC{0,12}",
        0usize..3,
    )
        .prop_map(|(text, compact, at, junk, how)| {
            let state = Shared {
                text,
                ..Shared::default()
            };
            let mut frag = encode_with_form(&state).0;
            if compact && !frag.contains("&z=") {
                frag = frag.replacen("&s=", "&z=", 1);
            }
            let cut = at.index(frag.len() + 1);
            let cut = (0..=cut)
                .rev()
                .find(|i| frag.is_char_boundary(*i))
                .unwrap_or(0);
            match how {
                0 => frag.truncate(cut),
                1 => frag.insert_str(cut, &junk),
                _ => frag.replace_range(cut..frag.len().min(cut + junk.len()).max(cut), &junk),
            }
            frag
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The decoder never panics: every input is Ok or a typed error.
    #[test]
    fn decoder_never_panics_on_hostile_input(frag in hostile_fragment()) {
        let _ = decode(&frag);
    }

    /// Arbitrary strings too.
    #[test]
    fn decoder_never_panics_on_arbitrary_input(frag in "\\PC{0,300}") {
        let _ = decode(&frag);
    }
}

/// The fuzz run for issue 4: a million mutated links (release build, a few minutes).
#[test]
#[ignore = "run as a command: PROPTEST_CASES=1000000 cargo test --release -p freepgt --test share -- --ignored"]
fn fuzz_decoder_million_cases() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000u32);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&hostile_fragment(), |frag| {
            let _ = decode(&frag);
            Ok(())
        })
        .unwrap();
    println!("fuzzed the share decoder with {cases} cases: no panic");
}

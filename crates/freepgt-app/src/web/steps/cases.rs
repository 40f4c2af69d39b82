//! The commit message's cases for the selected op: sparc64's flush cost at PMD vs PGDIR
//! granularity with the hole-edge swap flagged; the hugetlb branch that never runs here.

use crate::model::{flush_granularities, human_size};
use crate::state::SimRef;
use freepgt::{Arch, FlushCall, Level};
use yew::prelude::*;

/// Props of the cases: the scenario and the op selected.
#[derive(Properties, PartialEq)]
pub struct CasesProps {
    /// The scenario.
    pub sim: SimRef,
    /// The op (index into its ops).
    pub op: usize,
}

/// A page count; from 2^40 on, also as a power of two (log2 rounded: 2^51 - 1 reads ≈2^51).
fn pages(n: u64) -> String {
    if n >= 1 << 40 {
        let k = 63 - n.leading_zeros();
        format!("{n} (≈2^{})", k + u32::from(n - (1 << k) >= 1 << (k - 1)))
    } else {
        n.to_string()
    }
}

fn cell(f: &FlushCall) -> Html {
    match f.vpte {
        Some(v) => html! { <td class={classes!(v.swapped.then_some("swapped"))}>
            <code>{ format!("[{}, {})", v.s, v.e) }</code>{ format!(" {} page(s), {} batch(es)", pages(v.pages), pages(v.batches)) }
            if v.swapped { <strong>{ " ⚠ swap fired" }</strong> }
        </td> },
        None => html! { <td>{ "—" }</td> },
    }
}

/// Why the hole edge wraps, with the arch's numbers.
fn hole_edge(arch: &Arch) -> String {
    let edge = arch.hole.map_or(0, |(h, _)| h.trailing_zeros());
    format!(
        "e = (end + PMD_SIZE - 1) & PMD_MASK reaches 2^{edge} at the VA hole edge, so ve = VPTE_BASE + (e >> {}) wraps past 2^64 and ve < vs. The kernel's swap (\"straddles the VA space hole\") then demaps the complement: about 2^{} VPTE pages, one loop iteration each.",
        arch.page_shift - 3,
        64 - arch.page_shift,
    )
}

#[function_component(Cases)]
pub fn cases(p: &CasesProps) -> Html {
    let (Some(arch), Some(outcome)) = (p.sim.arch(), p.sim.outcomes.get(p.op)) else {
        return Html::default();
    };
    let rows = match arch.vpte {
        Some(_) => flush_granularities(arch, &outcome.events),
        None => Vec::new(),
    };
    let swapped = rows
        .iter()
        .any(|(p, g)| p.vpte.is_some_and(|v| v.swapped) || g.vpte.is_some_and(|v| v.swapped));
    let (tp, tg) = rows.iter().fold((0u128, 0u128), |(a, b), (p, g)| {
        (
            a + p.vpte.map_or(0, |v| v.pages as u128),
            b + g.vpte.map_or(0, |v| v.pages as u128),
        )
    });
    let size = |l: Level| human_size(arch.size(l) as u128);
    html! {
        <div class="cases">
            if let Some(vpte) = arch.vpte {
                <h3>{ "sparc64: “do we really have to flush every PGDIR_SIZE ever partially occupied?”" }</h3>
                if rows.is_empty() { <p class="muted">{ "This operation makes no flush_tlb_pgtables call." }</p> } else {
                    <div class="hscroll"><table class="granularity" id="vpte-granularity">
                        <thead><tr><th scope="col">{ "flush_tlb_pgtables(start, end)" }</th>
                            <th scope="col">{ format!("PMD granularity ({}) — what 2.6.12 does", size(Level::Pmd)) }</th>
                            <th scope="col">{ format!("PGDIR granularity ({})", size(Level::Pgd)) }</th></tr></thead>
                        <tbody>{ for rows.iter().map(|(pm, pg)| html! { <tr><td><code>{ format!("({}, {})", pm.start, pm.end) }</code></td>{ cell(pm) }{ cell(pg) }</tr> }) }</tbody>
                        <tfoot><tr><th scope="row">{ "VPTE pages" }</th><td>{ tp.to_string() }</td><td>{ tg.to_string() }</td></tr></tfoot>
                    </table></div>
                    <p class="muted small">{ format!("One VPTE page per PMD block; {} per tlb batch flush (both columns take the batch as empty on entry, to compare the ranges alone). David Miller's answer: the PMD-sized range is enough.", vpte.batch_nr) }</p>
                }
                if swapped {
                    <p class="derived" id="hole-edge"><strong>{ "⚠ Derived from the arithmetic, not observed: " }</strong>{ hole_edge(arch) }</p>
                }
            }
            <p class="muted small" id="hugepage-note">{ "is_hugepage_only_range() is the generic constant 0 on x86_64 and sparc64 (only ia64 and ppc64 define ARCH_HAS_HUGEPAGE_ONLY_RANGE), so free_pgtables' hugetlb_free_pgd_range branch never runs here and every vma may be gathered." }</p>
        </div>
    }
}

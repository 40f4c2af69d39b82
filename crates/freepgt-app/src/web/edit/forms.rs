//! The edit forms. Each parses its fields and hands an op (or why not) to `submit`.

use crate::model::{parse_addr, parse_size};
use freepgt::{AddrRange, Op, VirtAddr};
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// A form's props: where its op goes.
#[derive(Properties, PartialEq)]
pub struct FormProps {
    /// Gets the op, or why the fields do not make one.
    pub submit: Callback<Result<Op, String>>,
}

/// The range form's props.
#[derive(Properties, PartialEq)]
pub struct RangeProps {
    /// The selected range (fills the fields).
    pub selection: Option<AddrRange>,
    /// Gets the op, or why the fields do not make one.
    pub submit: Callback<Result<Op, String>>,
}

fn input_value(r: &NodeRef) -> String {
    r.cast::<HtmlInputElement>()
        .map(|i| i.value())
        .unwrap_or_default()
}

fn range(a: u64, b: u64) -> AddrRange {
    AddrRange::new(VirtAddr::new(a), VirtAddr::new(b))
}

#[function_component(VmaForm)]
pub fn vma_form(p: &FormProps) -> Html {
    let (start, size, name) = (use_node_ref(), use_node_ref(), use_node_ref());
    let onsubmit = {
        let (submit, start, size, name) =
            (p.submit.clone(), start.clone(), size.clone(), name.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            submit.emit((|| {
                let a = parse_addr(&input_value(&start))?;
                let n = parse_size(&input_value(&size))?;
                let end = a.checked_add(n).ok_or("start + size overflows")?;
                let name = input_value(&name).trim().to_string();
                Ok(Op::Vma {
                    range: range(a, end),
                    name: (!name.is_empty()).then_some(name),
                })
            })());
        })
    };
    html! {
        <form class="form" id="add-vma-form" {onsubmit}>
            <fieldset><legend>{ "Map a vma" }</legend>
                <label>{ "start (hex)" }<input id="vma-start" ref={start} placeholder="0x400000" autocomplete="off" /></label>
                <label>{ "size" }<input id="vma-size" ref={size} placeholder="8K, 2M, 1G or hex" autocomplete="off" /></label>
                <label>{ "name" }<input id="vma-name" ref={name} placeholder="heap" autocomplete="off" /></label>
                <button type="submit" id="vma-add">{ "Add vma" }</button>
            </fieldset>
        </form>
    }
}

#[function_component(FaultForm)]
pub fn fault_form(p: &FormProps) -> Html {
    let addr = use_node_ref();
    let onsubmit = {
        let (submit, addr) = (p.submit.clone(), addr.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            submit.emit(parse_addr(&input_value(&addr)).map(|a| Op::Touch {
                addr: VirtAddr::new(a),
            }));
        })
    };
    html! {
        <form class="form" id="fault-form" {onsubmit}>
            <fieldset><legend>{ "Fault one page" }</legend>
                <label>{ "address (hex)" }<input id="fault-addr" ref={addr} placeholder="0x400000" autocomplete="off" /></label>
                <button type="submit" id="fault-go">{ "touch" }</button>
            </fieldset>
        </form>
    }
}

#[function_component(RangeForm)]
pub fn range_form(p: &RangeProps) -> Html {
    let (start, end) = (use_node_ref(), use_node_ref());
    let op = |make: fn(AddrRange) -> Op| {
        let (submit, start, end) = (p.submit.clone(), start.clone(), end.clone());
        Callback::from(move |_: MouseEvent| {
            let r = parse_addr(&input_value(&start))
                .and_then(|a| Ok(make(range(a, parse_addr(&input_value(&end))?))));
            submit.emit(r);
        })
    };
    let hex = |v: Option<VirtAddr>| v.map(|v| v.to_string()).unwrap_or_default();
    html! {
        <div class="form" id="range-form">
            <fieldset><legend>{ "Range [start, end)" }<small>{ " — or drag on the axis in select mode" }</small></legend>
                <label>{ "start (hex)" }<input id="range-start" ref={start.clone()} value={hex(p.selection.map(|s| s.start))} autocomplete="off" /></label>
                <label>{ "end (hex)" }<input id="range-end" ref={end.clone()} value={hex(p.selection.map(|s| s.end))} autocomplete="off" /></label>
                <div class="buttons">
                    <button type="button" id="range-touch" title="touch START END: fault every page" onclick={op(|r| Op::TouchRange { range: r })}>{ "populate (touch)" }</button>
                    <button type="button" id="range-munmap" onclick={op(|r| Op::Munmap { range: r })}>{ "munmap" }</button>
                    <button type="button" id="range-mmapfail" title="driver faults the range in, then ->mmap() fails" onclick={op(|r| Op::MmapFail { range: r })}>{ "mmapfail" }</button>
                    <button type="button" id="range-zapfail" title="the same, but the old zap_page_range path" onclick={op(|r| Op::ZapFail { range: r })}>{ "zapfail" }</button>
                </div>
            </fieldset>
        </div>
    }
}

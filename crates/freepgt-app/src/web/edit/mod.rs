//! Editing by forms: map a vma, fault a page, range operations, exit, and the vma table.

mod forms;
mod vma_table;

use super::{send, Dispatch};
use crate::model::human_size;
use crate::state::{Action, SimRef};
use freepgt::{AddrRange, Op};
use yew::prelude::*;

/// The edit panel's props.
#[derive(Properties, PartialEq)]
pub struct EditProps {
    /// The scenario.
    pub sim: SimRef,
    /// The selected range (fills the range form).
    pub selection: Option<AddrRange>,
    /// Dispatches actions.
    pub dispatch: Dispatch,
}

#[function_component(Edit)]
pub fn edit(p: &EditProps) -> Html {
    let error = use_state(|| None::<String>);
    // A form that parsed dispatches its op and clears the error; one that did not says why.
    let submit = {
        let (d, error) = (p.dispatch.clone(), error.clone());
        Callback::from(move |r: Result<Op, String>| match r {
            Ok(op) => {
                error.set(None);
                d.dispatch(Action::Push(op));
            }
            Err(m) => error.set(Some(m)),
        })
    };
    let page = p.sim.arch().map(|a| a.page_size());
    html! {
        <section class="panel" aria-labelledby="edit-h">
            <h2 id="edit-h">{ "Edit" }</h2>
            if let Some(e) = &*error { <p class="error" role="alert">{ e }</p> }
            <forms::VmaForm submit={submit.clone()} />
            <forms::FaultForm submit={submit.clone()} />
            <forms::RangeForm selection={p.selection} submit={submit} />
            <p><button type="button" id="exit" onclick={send(&p.dispatch, Action::Push(Op::Exit))}>{ "exit (exit_mmap)" }</button>
               if let Some(page) = page { <small>{ format!(" page size {}", human_size(page as u128)) }</small> }</p>
            <vma_table::VmaTable sim={p.sim.clone()} dispatch={p.dispatch.clone()} />
        </section>
    }
}

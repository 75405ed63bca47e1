import { useReducer } from "react";

/**
 * A form's draft of something the URL holds (a funnel, the filters' text fields). The URL stays the truth:
 * the draft is keyed on the definition it started from, and when the URL brings another definition (Back,
 * a link, an applied edit) the draft restarts from it during that same render. No effect mirrors props into
 * state, so the form never shows one stale frame and an edit is never applied to a definition it did not see.
 */
export interface KeyedDraft<Draft> {
  key: string;
  draft: Draft;
}

export type KeyedDraftAction<Definition, Edit> = { type: "reset"; key: string; definition: Definition } | { type: "edit"; edit: Edit };

/** The one reducer of a draft: `reset` starts over from a definition, every other change is an `edit`. */
export function keyedDraftReducer<Definition, Draft, Edit>(init: (definition: Definition) => Draft, edit: (draft: Draft, change: Edit) => Draft) {
  return (state: KeyedDraft<Draft>, action: KeyedDraftAction<Definition, Edit>): KeyedDraft<Draft> =>
    action.type === "reset" ? { key: action.key, draft: init(action.definition) } : { key: state.key, draft: edit(state.draft, action.edit) };
}

/**
 * The draft for `definition` and a dispatcher of edits. `key` names the definition (equal keys, equal
 * definitions); `reducer` comes from keyedDraftReducer with the same `init`.
 */
export function useKeyedDraft<Definition, Draft, Edit>(
  definition: Definition,
  key: string,
  init: (definition: Definition) => Draft,
  reducer: (state: KeyedDraft<Draft>, action: KeyedDraftAction<Definition, Edit>) => KeyedDraft<Draft>,
): [Draft, (edit: Edit) => void] {
  const [state, dispatch] = useReducer(reducer, definition, (first) => ({ key, draft: init(first) }));
  // React's pattern for state that follows a prop: an update during render is applied before anything is
  // committed, so the render below is thrown away and redone with the reset draft.
  if (state.key !== key) dispatch({ type: "reset", key, definition });
  return [state.key === key ? state.draft : init(definition), (edit) => dispatch({ type: "edit", edit })];
}

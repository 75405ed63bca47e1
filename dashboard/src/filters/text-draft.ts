import { keyedDraftReducer } from "../drafts/keyed-draft.js";
import type { Filters } from "./filters.js";

/** The filter bar's typed fields, applied to the URL on submit or blur. */
export interface FilterTextDraft {
  botId: string;
  campaign: string;
}

export const textDraftFromFilters = (filters: Pick<Filters, "botId" | "campaign">): FilterTextDraft => ({ botId: filters.botId, campaign: filters.campaign });

/** Keyed on the two fields alone: a new channel or period in the URL does not wipe what is being typed. */
export const filterTextKey = (filters: Pick<Filters, "botId" | "campaign">): string => JSON.stringify([filters.botId, filters.campaign]);

export const filterTextReducer = keyedDraftReducer(textDraftFromFilters, (draft: FilterTextDraft, edit: Partial<FilterTextDraft>): FilterTextDraft => ({ ...draft, ...edit }));

import { useState, type FormEvent } from "react";
import { queryOptions, useQuery, useQueryClient } from "@tanstack/react-query";
import type { SavedFunnel, SavedFunnelBody, SavedFunnelsResponse } from "@chatfunnel/schemas";
import type { ApiClient } from "../api/client.js";
import { useApi } from "../api/context.js";
import type { FunnelDefinition } from "../api/queries.js";
import { useI18n } from "../i18n/i18n.js";
import { useUpdateParams } from "../router/location.js";

export const savedFunnelsQuery = (api: ApiClient) =>
  queryOptions({
    queryKey: ["funnels"] as const,
    queryFn: ({ signal }) => api.get<SavedFunnelsResponse>("funnels", {}, signal),
  });

export const saveFunnel = (api: ApiClient, body: SavedFunnelBody) => api.post<SavedFunnel>("funnels", JSON.stringify(body), "application/json");
export const deleteSavedFunnel = (api: ApiClient, id: string) => api.delete(`funnels/${encodeURIComponent(id)}`);

/** The funnel's parameters in the URL; opening a saved funnel replaces exactly these (and the drop-off step). */
const FUNNEL_URL_PARAMETERS = ["steps", "window", "mode", "exclude", "breakdown", "breakdownAttribution", "breakdownLimit", "dropoff"] as const;

/** A saved definition written into the URL: the same parameters GET /api/v1/funnel takes, so it opens as saved. */
export function openSavedFunnel(params: URLSearchParams, definition: SavedFunnel["definition"]): void {
  for (const name of FUNNEL_URL_PARAMETERS) params.delete(name);
  for (const step of definition.steps) params.append("steps", step);
  if (definition.window) params.set("window", definition.window);
  if (definition.mode) params.set("mode", definition.mode);
  for (const exclusion of definition.exclude ?? []) params.append("exclude", exclusion);
  for (const dimension of definition.breakdown ?? []) params.append("breakdown", dimension);
  if (definition.breakdownAttribution) params.set("breakdownAttribution", definition.breakdownAttribution);
  if (definition.breakdownLimit !== undefined) params.set("breakdownLimit", String(definition.breakdownLimit));
}

/** The page's funnel as a saved definition: what the builder shows, plus exclusions the URL carries. */
export function savedDefinitionOf(definition: FunnelDefinition, params: URLSearchParams): SavedFunnelBody["definition"] {
  const exclude = params.getAll("exclude");
  return {
    steps: definition.steps,
    window: definition.window,
    mode: definition.mode,
    ...(exclude.length > 0 ? { exclude } : {}),
    ...(definition.breakdown ? { breakdown: [definition.breakdown] } : {}),
    ...(definition.breakdown && definition.breakdownAttribution ? { breakdownAttribution: definition.breakdownAttribution } : {}),
  };
}

/** The project's saved funnels beside the builder: open one into the URL, save the current one, delete. */
export function SavedFunnels({ definition, params }: { definition: FunnelDefinition; params: URLSearchParams }) {
  const { t } = useI18n();
  const api = useApi();
  const queryClient = useQueryClient();
  const update = useUpdateParams();
  const query = useQuery(savedFunnelsQuery(api));
  const [name, setName] = useState("");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const funnels = query.data?.funnels ?? [];

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setMessage(null);
    try {
      const saved = await saveFunnel(api, { name: name.trim(), definition: savedDefinitionOf(definition, params) });
      setName("");
      setMessage({ ok: true, text: t("funnel.savedOk", { name: saved.name }) });
      await queryClient.invalidateQueries({ queryKey: ["funnels"] });
    } catch (error) {
      setMessage({ ok: false, text: t("funnel.saveFailed", { message: (error as Error).message }) });
    }
  };
  const remove = async (funnel: SavedFunnel) => {
    try {
      await deleteSavedFunnel(api, funnel.id);
    } catch (error) {
      setMessage({ ok: false, text: (error as Error).message });
    }
    await queryClient.invalidateQueries({ queryKey: ["funnels"] });
  };

  return (
    <section className="panel saved-funnels" aria-labelledby="saved-funnels" data-testid="saved-funnels">
      <h2 id="saved-funnels">{t("funnel.saved")}</h2>
      {funnels.length === 0 ? (
        <p className="hint">{t("funnel.savedEmpty")}</p>
      ) : (
        <ul className="saved-funnel-list">
          {funnels.map((funnel) => (
            <li key={funnel.id} data-funnel-id={funnel.id}>
              <button type="button" className="link" aria-label={t("funnel.openNamed", { name: funnel.name })} onClick={() => update((p) => openSavedFunnel(p, funnel.definition))}>
                {funnel.name}
              </button>{" "}
              <span className="muted small">{funnel.definition.steps.join(" → ")}</span>{" "}
              <button type="button" className="link" aria-label={t("funnel.deleteSavedNamed", { name: funnel.name })} onClick={() => void remove(funnel)}>
                {t("funnel.deleteSaved")}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="inline-form" onSubmit={save} aria-label={t("funnel.save")}>
        <label htmlFor="saved-funnel-name">{t("funnel.saveName")}</label>{" "}
        <input id="saved-funnel-name" required maxLength={200} autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} />{" "}
        <button type="submit">{t("funnel.save")}</button>
      </form>
      {message && (
        <p className={message.ok ? "small" : "state state-error"} role={message.ok ? "status" : "alert"}>
          {message.text}
        </p>
      )}
    </section>
  );
}

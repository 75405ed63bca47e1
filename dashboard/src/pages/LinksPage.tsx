import { useState, type FormEvent, type ReactNode } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { DEFAULT_FUNNEL_WINDOW, LINK_CHANNELS, MAX_LINK_TARGET_LENGTH, MAX_LINK_TEXT_LENGTH } from "@chatfunnel/contract";
import type { Link, LinkChannel, LinkCreateBody, LinkReport } from "@chatfunnel/schemas";
import { ApiRequestError } from "../api/client.js";
import { useApi } from "../api/context.js";
import { createLink, deleteLink, linksQuery } from "../api/queries.js";
import { CopyButton } from "../components/CopyButton.js";
import { QueryState } from "../components/QueryState.js";
import { writeFilters, type Filters } from "../filters/filters.js";
import { useFilters } from "../filters/use-filters.js";
import { writeFunnelParams } from "../funnel/definition.js";
import { useI18n } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";
import { onLinkClick } from "../router/location.js";

/** The channels a link can open, for the select: the contract's list. */
export { LINK_CHANNELS as LINK_CHANNEL_OPTIONS };
/** What a link's funnel page shows: arrival, lead, order. */
export const LINK_FUNNEL_STEPS = ["bot_started", "lead", "order"];

const TEXT_FIELDS = ["target", "campaign", "name", "source", "medium", "content", "term", "adId"] as const;
type TextField = (typeof TEXT_FIELDS)[number];
type Draft = { channel: LinkChannel } & Record<TextField, string>;
const EMPTY: Draft = { channel: "telegram", target: "", campaign: "", name: "", source: "", medium: "", content: "", term: "", adId: "" };

/** The body the API takes: optional fields only when filled, the ad id only for WhatsApp. */
export function linkBody(draft: Draft): LinkCreateBody {
  const body: LinkCreateBody = { channel: draft.channel, target: draft.target.trim(), campaign: draft.campaign.trim() };
  for (const name of ["name", "source", "medium", "content", "term", "adId"] as const) {
    const value = draft[name].trim();
    if (value && (name !== "adId" || draft.channel === "whatsapp")) body[name] = value;
  }
  return body;
}

/** A 400 names its fields in details[].path; those go beside their inputs, anything else above the form. */
export function fieldErrors(error: unknown): { fields: Partial<Record<TextField | "channel", string>>; general: string | null } {
  if (!(error instanceof ApiRequestError)) return { fields: {}, general: error instanceof Error ? error.message : String(error) };
  const fields: Partial<Record<TextField | "channel", string>> = {};
  const details = Array.isArray(error.details) ? error.details : [];
  for (const detail of details) {
    if (!detail || typeof detail !== "object" || !("path" in detail) || !("message" in detail)) continue;
    const name = String(detail.path).split(".")[0] as TextField | "channel";
    if ((TEXT_FIELDS as readonly string[]).includes(name) || name === "channel") fields[name] ??= String(detail.message);
  }
  return { fields, general: Object.keys(fields).length > 0 ? null : error.message };
}

/** The funnel page for the link's campaign on its messenger, over the period in view. */
export function linkFunnelHref(link: Pick<Link, "campaign" | "channel">, filters: Filters): string {
  const params = writeFilters(new URLSearchParams(), { ...filters, campaign: link.campaign, channels: [link.channel] });
  return `/funnel?${writeFunnelParams(params, { steps: LINK_FUNNEL_STEPS, window: DEFAULT_FUNNEL_WINDOW, mode: "ordered", breakdown: null })}`;
}

/** Tracked links: create one for an ad, copy its URL, see who came through it and what they cost. */
export function LinksPage() {
  const api = useApi();
  const { api: filters } = useFilters();
  const query = useQuery(linksQuery(api, filters));
  const [created, setCreated] = useState<Link | null>(null);
  return (
    <>
      <CreateLink onCreated={setCreated} />
      {created && <CreatedLink link={created} />}
      <QueryState query={query}>{(data) => <LinksTable links={data.links} />}</QueryState>
    </>
  );
}

function CreateLink({ onCreated }: { onCreated: (link: Link) => void }) {
  const { t } = useI18n();
  const api = useApi();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<ReturnType<typeof fieldErrors>>({ fields: {}, general: null });
  const set = (name: keyof Draft, value: string) => {
    setDraft((d) => ({ ...d, [name]: value }));
    // The message described the old value; typing a new one clears it.
    setErrors((e) => ({ ...e, fields: { ...e.fields, [name]: undefined } }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors({ fields: {}, general: null });
    try {
      const link = await createLink(api, linkBody(draft));
      onCreated(link);
      // Keep the messenger and target: the next link is usually another campaign of the same bot.
      setDraft({ ...EMPTY, channel: draft.channel, target: draft.target });
      await queryClient.invalidateQueries({ queryKey: ["links"] });
    } catch (error) {
      setErrors(fieldErrors(error));
    } finally {
      setBusy(false);
    }
  };

  const field = (name: TextField, label: string, options: { required?: boolean; hint?: string; placeholder?: string } = {}) => (
    <Field name={name} label={label} hint={options.hint} error={errors.fields[name]}>
      {({ id, describedBy }) => (
        <input
          id={id}
          name={name}
          required={options.required}
          maxLength={name === "target" ? MAX_LINK_TARGET_LENGTH : MAX_LINK_TEXT_LENGTH}
          placeholder={options.placeholder}
          autoComplete="off"
          value={draft[name]}
          aria-invalid={errors.fields[name] ? true : undefined}
          aria-describedby={describedBy}
          onChange={(e) => set(name, e.target.value)}
        />
      )}
    </Field>
  );

  return (
    <section className="panel link-form" aria-labelledby="create-link">
      <h2 id="create-link">{t("links.create")}</h2>
      <p className="hint">{t("links.explain")}</p>
      <form onSubmit={submit} aria-label={t("links.create")}>
        <div className="form-grid">
          <Field name="channel" label={t("links.channel")} error={errors.fields.channel}>
            {({ id, describedBy }) => (
              <select id={id} name="channel" value={draft.channel} aria-describedby={describedBy} onChange={(e) => set("channel", e.target.value)}>
                {LINK_CHANNELS.map((channel) => (
                  <option key={channel} value={channel}>
                    {t(`channel.${channel}` as MessageKey)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {field("target", t(`links.target.${draft.channel}` as MessageKey), { required: true, hint: t(`links.targetHint.${draft.channel}` as MessageKey) })}
          {field("campaign", t("links.campaign"), { required: true, placeholder: "black_friday" })}
          {field("name", t("links.name"), { hint: t("links.nameHint") })}
          {draft.channel === "whatsapp" && field("adId", t("links.adId"), { hint: t("links.adIdHint") })}
        </div>
        <details className="more-fields" open={Boolean(errors.fields.source || errors.fields.medium || errors.fields.content || errors.fields.term) || undefined}>
          <summary>{t("links.more")}</summary>
          <div className="form-grid">
            {field("source", t("links.source"), { placeholder: "vk_ads" })}
            {field("medium", t("links.medium"), { placeholder: "cpc" })}
            {field("content", t("links.content"))}
            {field("term", t("links.term"))}
          </div>
        </details>
        {errors.general && (
          <p className="state state-error" role="alert">
            {t("links.createFailed", { message: errors.general })}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {t("links.submit")}
        </button>
      </form>
    </section>
  );
}

/** A label, the control, its hint and the API's message about it, tied together for screen readers. */
function Field({ name, label, hint, error, children }: { name: string; label: string; hint?: string; error?: string; children: (control: { id: string; describedBy: string | undefined }) => ReactNode }) {
  const id = `link-${name}`;
  const hintId = hint ? `link-${name}-hint` : undefined;
  const errorId = error ? `link-${name}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(" ") || undefined;
  return (
    <div className="field" data-field={name}>
      <label htmlFor={id}>{label}</label>
      {children({ id, describedBy })}
      {error && (
        <span id={errorId} className="field-error" role="alert">
          {error}
        </span>
      )}
      {hint && (
        <span id={hintId} className="hint">
          {hint}
        </span>
      )}
    </div>
  );
}

function CreatedLink({ link }: { link: Link }) {
  const { t } = useI18n();
  return (
    <div className="panel created-link state-ok" role="status" data-testid="created-link">
      <p>{t("links.created")}</p>
      <p className="link-url">
        <code data-testid="created-url">{link.url}</code> <CopyButton text={link.url} what={link.url} />
      </p>
    </div>
  );
}

function LinksTable({ links }: { links: LinkReport[] }) {
  const { t, format } = useI18n();
  const api = useApi();
  const queryClient = useQueryClient();
  const { filters } = useFilters();
  const [confirming, setConfirming] = useState<string | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  if (links.length === 0) return <p className="state state-empty">{t("links.empty")}</p>;

  const remove = async (link: LinkReport) => {
    setDeleteError(null);
    try {
      await deleteLink(api, link.id);
    } catch (error) {
      // Already gone (another tab deleted it) is what the user wanted; anything else is said.
      if (!(error instanceof ApiRequestError && error.status === 404)) setDeleteError((error as Error).message);
    }
    setConfirming(null);
    await queryClient.invalidateQueries({ queryKey: ["links"] });
  };

  return (
    <>
      {deleteError && (
        <p className="state state-error" role="alert">
          {t("links.deleteFailed", { message: deleteError })}
        </p>
      )}
      <div className="table-wrap">
        <table className="data links" data-testid="links-table">
          <caption>{t("links.table")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("links.link")}</th>
              <th scope="col" className="left">{t("links.url")}</th>
              <th scope="col">{t("metric.users")}</th>
              <th scope="col">{t("metric.leads")}</th>
              <th scope="col">{t("metric.orders")}</th>
              <th scope="col">{t("metric.revenue")}</th>
              <th scope="col">{t("metric.spend")}</th>
              <th scope="col">{t("metric.cpl")}</th>
              <th scope="col">{t("metric.cpo")}</th>
              <th scope="col" className="left">{t("links.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {links.map((link) => {
              const name = link.name ?? link.campaign;
              return (
                <tr key={link.id} data-link-id={link.id} data-code={link.code}>
                  <th scope="row">
                    <span className="link-name">{name}</span>
                    <span className="muted small">
                      {t(`channel.${link.channel}` as MessageKey)} · {link.campaign}
                      {[link.source, link.medium].some(Boolean) && ` · ${[link.source, link.medium].filter(Boolean).join(" / ")}`}
                    </span>
                  </th>
                  <td className="url-cell">
                    <code>{link.url}</code> <CopyButton text={link.url} what={name} />
                  </td>
                  <td data-metric="users">{format.integer(link.users)}</td>
                  <td data-metric="leads">{format.integer(link.leads)}</td>
                  <td data-metric="orders">{format.integer(link.orders)}</td>
                  <td data-metric="revenue">{format.money(link.revenue)}</td>
                  <td data-metric="spend">{format.money(link.spend)}</td>
                  <td data-metric="cpl">{format.money(link.cpl)}</td>
                  <td data-metric="cpo">{format.money(link.cpo)}</td>
                  <td className="actions">
                    {confirming === link.id ? (
                      <span className="confirm" role="group" aria-label={t("links.deleteNamed", { name })}>
                        <span>{t("links.confirmDelete", { name })}</span>
                        <button type="button" className="danger" onClick={() => void remove(link)}>
                          {t("links.confirm")}
                        </button>
                        {/* Focus lands on the harmless choice: Enter right after "Delete" must not delete. */}
                        <button type="button" className="link" autoFocus onClick={() => setConfirming(null)}>
                          {t("links.cancel")}
                        </button>
                      </span>
                    ) : (
                      <>
                        <a href={linkFunnelHref(link, filters)} onClick={onLinkClick} aria-label={t("links.funnelOf", { name })}>
                          {t("links.funnel")}
                        </a>{" "}
                        <button type="button" className="link" aria-label={t("links.deleteNamed", { name })} onClick={() => setConfirming(link.id)}>
                          {t("links.delete")}
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

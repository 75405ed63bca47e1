import { useState, type FormEvent } from "react";
import { useQuery } from "@tanstack/react-query";
import type { Channel } from "@chatfunnel/contract";
import { useApi } from "../api/context.js";
import { costsQuery } from "../api/queries.js";
import { useI18n } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";
import { useKeyedDraft } from "../drafts/keyed-draft.js";
import { navigate, replaceAll, useUpdateParams } from "../router/location.js";
import { CHANNEL_OPTIONS, PRESETS, browserTimeZone, presetRange, todayIn, writeFilters, type Filters, type Preset } from "./filters.js";
import { filterTextKey, filterTextReducer, textDraftFromFilters } from "./text-draft.js";
import { useFilters } from "./use-filters.js";

const COMMON_ZONES = ["UTC", "Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg", "Asia/Omsk", "Asia/Novosibirsk", "Asia/Krasnoyarsk", "Asia/Irkutsk", "Asia/Yakutsk", "Asia/Vladivostok", "Asia/Magadan", "Asia/Kamchatka", "Europe/Minsk", "Asia/Almaty", "Asia/Tashkent", "Europe/London", "Europe/Berlin", "America/New_York"];

/**
 * The filters every page shares. Each change is a new history entry, so Back undoes it.
 * With `segmentFixed` (a share link) the channel, bot and campaign are the link's: the server puts them in place
 * of whatever is asked, so the fields show them and cannot be changed; the viewer still picks the period and zone.
 */
export function FilterBar({ segmentFixed = false }: { segmentFixed?: boolean }) {
  const { t } = useI18n();
  const { filters, params, api: apiFilters } = useFilters();
  const api = useApi();
  // Campaign names to pick from, asked only once the field is focused: the page's own queries go first.
  const [wantCampaigns, setWantCampaigns] = useState(false);
  const { campaign: _campaign, ...withoutCampaign } = apiFilters;
  const campaigns = useQuery({ ...costsQuery(api, withoutCampaign, "campaign"), enabled: wantCampaigns });
  const campaignNames = (campaigns.data?.rows ?? []).flatMap((row) => (row.key === null ? [] : [row.key]));
  const update = useUpdateParams();
  const set = (next: Partial<Filters>) => update((params) => replaceAll(params, writeFilters(params, { ...filters, ...next })));

  // The text fields are a draft keyed on the URL's bot and campaign: Back/forward or a link changes them and
  // the fields follow; a change of another filter (a channel, the period) keeps what is being typed.
  const [{ botId, campaign }, editText] = useKeyedDraft(filters, filterTextKey(filters), textDraftFromFilters, filterTextReducer);
  // On a phone the filters fold away behind one button; on a laptop they are always shown.
  const [open, setOpen] = useState(false);

  const onPreset = (preset: Preset) => {
    if (preset === "custom") set({ preset, from: filters.from, to: filters.to });
    else set({ preset, ...presetRange(preset, todayIn(filters.tz)) });
  };
  const onText = (event: FormEvent) => {
    event.preventDefault();
    set({ botId: botId.trim(), campaign: campaign.trim() });
  };
  const toggleChannel = (channel: Channel, on: boolean) =>
    set({ channels: on ? [...filters.channels, channel] : filters.channels.filter((c) => c !== channel) });
  const zones = [...new Set([filters.tz, browserTimeZone(), ...COMMON_ZONES])];
  // Reset goes back to the default period; a share link's segment stays, since it is not the viewer's to drop.
  const onReset = () => {
    const kept = new URLSearchParams();
    if (segmentFixed) for (const name of ["channel", "bot", "campaign"]) for (const value of params.getAll(name)) kept.append(name, value);
    navigate(window.location.pathname, kept);
  };

  return (
    <section className={open ? "filters open" : "filters"} aria-label={t("filters.label")}>
      <button type="button" className="secondary filters-toggle" aria-expanded={open} aria-controls="filter-fields" onClick={() => setOpen(!open)}>
        {t("filters.label")}: {filters.preset === "custom" ? `${filters.from} – ${filters.to}` : t(`preset.${filters.preset}` as MessageKey)}
        {filters.channels.length > 0 && ` · ${filters.channels.map((c) => t(`channel.${c}` as MessageKey)).join(", ")}`}
      </button>
      <div id="filter-fields" className="filter-fields">
      <label className="field">
        <span>{t("filters.period")}</span>
        <select name="range" value={filters.preset} onChange={(e) => onPreset(e.target.value as Preset)}>
          {PRESETS.map((preset) => (
            <option key={preset} value={preset}>
              {t(`preset.${preset}` as MessageKey)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t("filters.from")}</span>
        <input
          type="date"
          name="from"
          value={filters.from}
          max={filters.to}
          onChange={(e) => e.target.value && set({ preset: "custom", from: e.target.value })}
        />
      </label>
      <label className="field">
        <span>{t("filters.to")}</span>
        <input type="date" name="to" value={filters.to} min={filters.from} onChange={(e) => e.target.value && set({ preset: "custom", to: e.target.value })} />
      </label>
      <label className="field">
        <span>{t("filters.tz")}</span>
        <select name="tz" value={filters.tz} onChange={(e) => set({ tz: e.target.value })}>
          {zones.map((zone) => (
            <option key={zone} value={zone}>
              {zone}
            </option>
          ))}
        </select>
      </label>
      <fieldset className="field channels">
        <legend>{t("filters.channels")}</legend>
        {CHANNEL_OPTIONS.map((channel) => (
          <label key={channel} className="check">
            <input type="checkbox" name="channel" value={channel} checked={filters.channels.includes(channel)} disabled={segmentFixed} onChange={(e) => toggleChannel(channel, e.target.checked)} />
            {t(`channel.${channel}` as MessageKey)}
          </label>
        ))}
      </fieldset>
      <form className="field-group" onSubmit={onText}>
        <label className="field">
          <span>{t("filters.bot")}</span>
          <input name="bot" value={botId} readOnly={segmentFixed} placeholder={t("filters.any")} onChange={(e) => editText({ botId: e.target.value })} onBlur={onText} />
        </label>
        <label className="field">
          <span>{t("filters.campaign")}</span>
          <input
            name="campaign"
            list="campaign-names"
            value={campaign}
            readOnly={segmentFixed}
            placeholder={t("filters.any")}
            onFocus={() => setWantCampaigns(true)}
            onChange={(e) => editText({ campaign: e.target.value })}
            onBlur={onText}
          />
          <datalist id="campaign-names">
            {campaignNames.map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
        </label>
        {!segmentFixed && <button type="submit">{t("filters.apply")}</button>}
      </form>
      <button type="button" className="link" onClick={onReset}>
        {t("filters.reset")}
      </button>
      </div>
    </section>
  );
}

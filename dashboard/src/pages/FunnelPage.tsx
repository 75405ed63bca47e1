import { useQuery } from "@tanstack/react-query";
import type { FunnelBreakdownGroup, FunnelResponse } from "@chatfunnel/schemas";
import { useApi } from "../api/context.js";
import { funnelQuery, type FunnelDefinition } from "../api/queries.js";
import { QueryState } from "../components/QueryState.js";
import type { ApiFilters } from "../filters/filters.js";
import { useFilters } from "../filters/use-filters.js";
import { parseFunnelParams, writeFunnelParams } from "../funnel/definition.js";
import { DropoffList } from "../funnel/DropoffList.js";
import { FunnelBuilder } from "../funnel/FunnelBuilder.js";
import { FunnelChart, stepLabel } from "../funnel/FunnelChart.js";
import { FunnelTrends } from "../funnel/FunnelTrends.js";
import { SavedFunnels } from "../funnel/saved-funnels.js";
import { TimeToConvert } from "../funnel/TimeToConvert.js";
import { useI18n } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";
import { replaceAll, useUpdateParams } from "../router/location.js";

const VIEWS = ["steps", "trends", "time"] as const;
type FunnelView = (typeof VIEWS)[number];

/**
 * Steps, window, mode, breakdown, the view (`view=trends` or `time`) and its choices (`interval`; `timeStep`, `bins`)
 * live in the URL beside the global filters.
 */
export function FunnelPage() {
  const { t } = useI18n();
  const { api: filters, params } = useFilters();
  const definition = parseFunnelParams(params);
  const view: FunnelView = (VIEWS as readonly string[]).includes(params.get("view") ?? "") ? (params.get("view") as FunnelView) : "steps";
  const update = useUpdateParams();

  return (
    <>
      <FunnelBuilder definition={definition} onApply={(next) => update((p) => replaceAll(p, writeFunnelParams(p, next)))} />
      <SavedFunnels definition={definition} params={params} />
      <div className="funnel-tabs" role="tablist" aria-label={t("funnel.views")}>
        {VIEWS.map((option) => (
          <button
            key={option}
            type="button"
            role="tab"
            id={`funnel-tab-${option}`}
            aria-selected={view === option}
            aria-controls="funnel-view"
            onClick={() => update((p) => (option === "steps" ? p.delete("view") : p.set("view", option)))}
          >
            {t(`funnel.view.${option}`)}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="funnel-view" aria-labelledby={`funnel-tab-${view}`}>
        {view === "steps" && <FunnelSteps filters={filters} params={params} definition={definition} />}
        {view === "trends" && <FunnelTrends filters={filters} definition={definition} />}
        {view === "time" && <TimeToConvert filters={filters} definition={definition} params={params} />}
      </div>
    </>
  );
}

/** The steps view: the chart, the breakdown table and, for a clicked step, who dropped before it. */
function FunnelSteps({ filters, params, definition }: { filters: ApiFilters; params: URLSearchParams; definition: FunnelDefinition }) {
  const api = useApi();
  const update = useUpdateParams();
  const dropoffParam = Number(params.get("dropoff"));
  const dropoff = Number.isInteger(dropoffParam) && dropoffParam >= 2 && dropoffParam <= definition.steps.length ? dropoffParam : null;
  const query = useQuery(funnelQuery(api, filters, definition));
  return (
    <>
      <QueryState query={query} isEmpty={(data) => (data.steps[0]?.users ?? 0) === 0}>
        {(data) => (
          <>
            <FunnelChart steps={data.steps} selected={dropoff} onSelect={(step) => update((p) => p.set("dropoff", String(step)))} />
            {data.breakdown.length > 0 && <BreakdownTable data={data} />}
          </>
        )}
      </QueryState>
      {dropoff !== null && <DropoffList key={`${dropoff}:${JSON.stringify(definition)}`} filters={filters} definition={definition} step={dropoff} />}
    </>
  );
}

function BreakdownTable({ data }: { data: FunnelResponse }) {
  const { t, format } = useI18n();
  const groupName = (group: FunnelBreakdownGroup) => {
    // The groups past the API's limit, summed: no values of their own.
    if (group.other) return t("funnel.breakdown.other");
    return data.breakdown
      .map((dimension) => {
        const value = group.values[dimension];
        if (value === null || value === undefined) return "—";
        return dimension === "channel" ? t(`channel.${value}` as MessageKey) : value;
      })
      .join(" · ");
  };
  return (
    <div className="table-wrap">
      <table className="data" data-testid="funnel-breakdown">
        <caption>{t("funnel.breakdown")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("funnel.segment")}</th>
            {data.steps.map((step) => (
              <th scope="col" key={step.index}>
                {step.index}. {stepLabel(step)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data.breakdowns.map((group, index) => (
            <tr key={index}>
              <th scope="row">{groupName(group)}</th>
              {group.steps.map((step) => (
                <td key={step.index}>
                  {format.integer(step.users)}
                  {step.index > 1 && <span className="muted"> ({format.percent(step.conversionFromFirst)})</span>}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

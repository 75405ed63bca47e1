import { useQuery } from "@tanstack/react-query";
import { useApi } from "../api/context.js";
import { supportQuery } from "../api/support-queries.js";
import { IntervalPicker, useInterval } from "../components/IntervalPicker.js";
import { QueryState } from "../components/QueryState.js";
import { useFilters } from "../filters/use-filters.js";
import { useI18n } from "../i18n/i18n.js";
import { CsatDistribution, SupportKpis } from "../support/SupportKpis.js";
import { UseCaseMix } from "../support/UseCaseMix.js";

/**
 * Support by the bot and by people: how many requests the bot kept, how fast the bot and then a person answered,
 * what customers rated it, and what the chats are used for over time (support, payments, leads, surveys).
 */
export function SupportPage() {
  const { t } = useI18n();
  const api = useApi();
  const { api: filters } = useFilters();
  const interval = useInterval();
  const query = useQuery(supportQuery(api, filters, interval));

  return (
    <QueryState query={query}>
      {(data) => (
        <>
          <SupportKpis data={data} />
          <p className="note">{t("support.definitions")}</p>
          <div className="section-head">
            <IntervalPicker />
          </div>
          <div className="grid-2">
            <section className="panel" aria-labelledby="support-mix-head">
              <h2 id="support-mix-head" className="panel-title">{t("support.mixHead")}</h2>
              <UseCaseMix mix={data.mix} title={t("support.mixChart", { interval: t(`interval.${interval}`) })} />
            </section>
            <section className="panel" aria-labelledby="support-csat-head">
              <h2 id="support-csat-head" className="panel-title">{t("support.csatHead")}</h2>
              <CsatDistribution csat={data.csat} />
            </section>
          </div>
        </>
      )}
    </QueryState>
  );
}

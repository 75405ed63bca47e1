import type { SupportResponse } from "@chatfunnel/schemas";
import { useI18n } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";
import { PALETTE } from "../components/ChartFigure.js";

/** A rating's bar beside its count, scaled to the most frequent rating. */
const BAR = { display: "inline-block", height: "0.7rem", marginRight: "0.5rem", borderRadius: 2, background: PALETTE[0], verticalAlign: "middle" } as const;

function Kpi({ metric, label, value, detail }: { metric: string; label: string; value: string; detail: string }) {
  return (
    <li className="kpi" data-testid={`kpi-${metric}`}>
      <span className="kpi-label">{label}</span>
      <strong className="kpi-value" data-metric={metric}>
        {value}
      </strong>
      <span className="kpi-change">{detail}</span>
    </li>
  );
}

const RATES = [
  ["containedRate", "support.contained"],
  ["resolvedRate", "support.resolved"],
  ["botResolvedRate", "support.botResolved"],
  ["handoffRate", "support.handoff"],
] as const satisfies ReadonlyArray<readonly [keyof SupportResponse, MessageKey]>;

/** The period's support in cards: the rates over requests, the bot's and the people's first answer, CSAT. */
export function SupportKpis({ data }: { data: SupportResponse }) {
  const { t, format } = useI18n();
  const ofRequests = t("support.ofRequests", { requests: format.integer(data.requests) });
  return (
    <ul className="kpis" data-testid="support-kpis">
      <Kpi metric="requests" label={t("support.requests")} value={format.integer(data.requests)} detail={t("support.requestsDetail")} />
      {RATES.map(([metric, label]) => (
        <Kpi key={metric} metric={metric} label={t(label)} value={format.percent(data[metric])} detail={ofRequests} />
      ))}
      <Kpi
        metric="reopenedRate"
        label={t("support.reopened")}
        value={format.percent(data.reopenedRate)}
        detail={t("support.reopenedDetail", { reopened: format.integer(data.reopened), resolved: format.integer(data.resolved) })}
      />
      <Kpi
        metric="medianBotFirstResponseSeconds"
        label={t("support.botFirstResponse")}
        value={format.durationSeconds(data.medianBotFirstResponseSeconds)}
        detail={t("support.answeredDetail", { sessions: format.integer(data.botAnsweredSessions) })}
      />
      <Kpi
        metric="medianOperatorFirstResponseSeconds"
        label={t("support.operatorFirstResponse")}
        value={format.durationSeconds(data.medianOperatorFirstResponseSeconds)}
        detail={t("support.answeredDetail", { sessions: format.integer(data.operatorAnsweredSessions) })}
      />
      <Kpi
        metric="csatMean"
        label={t("support.csat")}
        value={data.csat.mean === null ? "—" : format.fixed(data.csat.mean, 2)}
        detail={t("support.csatResponses", { responses: format.integer(data.csat.responses) })}
      />
    </ul>
  );
}

/** How the CSAT answers spread over the five ratings, as bars with their counts and shares. */
export function CsatDistribution({ csat }: { csat: SupportResponse["csat"] }) {
  const { t, format } = useI18n();
  const most = Math.max(1, ...csat.distribution.map((row) => row.responses));
  return (
    <table className="data" data-testid="csat-distribution">
      <caption>{t("support.csatDistribution")}</caption>
      <thead>
        <tr>
          <th scope="col">{t("support.rating")}</th>
          <th scope="col">{t("support.responses")}</th>
          <th scope="col">{t("support.share")}</th>
        </tr>
      </thead>
      <tbody>
        {[...csat.distribution].reverse().map((row) => (
          <tr key={row.rating} data-rating={row.rating}>
            <th scope="row">{"★".repeat(Number(row.rating))}</th>
            <td data-metric="responses">
              <span style={{ ...BAR, width: `${(row.responses / most) * 6}rem` }} aria-hidden="true" />
              {format.integer(row.responses)}
            </td>
            <td data-metric="share">{format.percent(csat.responses === 0 ? null : row.responses / csat.responses)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

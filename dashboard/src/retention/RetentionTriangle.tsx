import type { RetentionCohortRow, RetentionResponse } from "@chatfunnel/schemas";
import { useI18n } from "../i18n/i18n.js";
import { cellColours, scaleMaximum } from "./color-scale.js";
import { groupKey, groupName } from "./groups.js";
import { RETURN_ANY } from "./limits.js";
import { sameCell, type CellValue, type SelectedCell } from "./params.js";

/** The cell a row and a period name, as the users list and the URL take it. */
export function cellOf(row: Pick<RetentionCohortRow, "start" | "group">, period: number, breakdown: RetentionResponse["breakdown"]): SelectedCell {
  return breakdown === null ? { cohortStart: row.start, period } : { cohortStart: row.start, period, group: row.group };
}

/**
 * The classic triangle: a row per cohort (per cohort and group with a breakdown), a column per period, each cell
 * coloured by its retained share on one scale for the whole table. Cells are buttons: one lists its users.
 * Periods not reached yet stay blank; periods not over yet are dashed, since they can still grow.
 */
export function RetentionTriangle({
  data,
  show,
  selected,
  onSelect,
  rowsGroup,
  onRowsGroup,
}: {
  data: RetentionResponse;
  show: CellValue;
  selected: SelectedCell | null;
  onSelect: (cell: SelectedCell) => void;
  /** With a breakdown, the one group whose rows are listed; undefined: all of them. */
  rowsGroup: string | null | undefined;
  onRowsGroup: (group: string | null | undefined) => void;
}) {
  const { t, format, locale } = useI18n();
  // A group named in the URL that this answer does not have (another range) lists every group.
  const picked = data.breakdown === null || rowsGroup === undefined ? -1 : data.groups.findIndex((group) => group.group === rowsGroup);
  const rows = picked < 0 ? data.cohorts : data.cohorts.filter((row) => row.group === data.groups[picked]!.group);
  // One scale for the table shown: a group's own triangle uses its whole range of shades.
  const maximum = scaleMaximum(rows, data.return === RETURN_ANY);
  const money = (amount: number | null) => (amount === null ? "—" : format.money({ amount, currency: data.currency }));
  // A month cohort reads as its month; a day or week cohort by the date it starts on.
  const monthName = new Intl.DateTimeFormat(locale === "ru" ? "ru-RU" : "en-US", { month: "long", year: "numeric", timeZone: "UTC" });
  const cohortDate = (start: string) => (data.interval === "month" ? monthName.format(new Date(`${start}T12:00:00Z`)) : format.date(`${start}T12:00:00Z`, "UTC"));
  const periods = Array.from({ length: data.periods }, (_, period) => period);
  return (
    <>
      {data.breakdown !== null && (
        <label className="field inline retention-rows">
          <span>{t("retention.rowsGroup")}</span>
          <select
            name="rowsGroup"
            value={picked < 0 ? "" : String(picked)}
            onChange={(e) => onRowsGroup(e.target.value === "" ? undefined : data.groups[Number(e.target.value)]?.group)}
          >
            <option value="">{t("retention.rowsGroup.all")}</option>
            {data.groups.map((group, index) => (
              <option key={groupKey(group.group)} value={index}>
                {groupName(group.group, data.breakdown, t)}
              </option>
            ))}
          </select>
        </label>
      )}
      <div className="table-wrap">
        <table className="data retention-triangle" data-testid="retention-triangle">
          <caption>{t("retention.triangle", { interval: t(`retention.interval.${data.interval}`) })}</caption>
          <thead>
            <tr>
              <th scope="col" rowSpan={2}>
                {t("retention.cohortStart")}
              </th>
              {data.breakdown !== null && (
                <th scope="col" rowSpan={2} className="left">
                  {t(`funnel.breakdown.${data.breakdown}`)}
                </th>
              )}
              <th scope="col" rowSpan={2}>
                {t("retention.size")}
              </th>
              <th scope="col" rowSpan={2}>
                {t("retention.cac")}
              </th>
              <th scope="col" rowSpan={2}>
                {t("retention.payback")}
              </th>
              <th scope="colgroup" colSpan={data.periods} className="periods-head">
                {t("retention.periodsHead", { interval: t(`retention.interval.${data.interval}`) })}
              </th>
            </tr>
            <tr>
              {periods.map((period) => (
                <th scope="col" key={period} className="period" aria-label={t("retention.periodN", { n: period })}>
                  {period}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={`${row.start}:${row.group ?? ""}:${row.group === null}`} data-cohort={row.start} data-group={row.group ?? undefined}>
                <th scope="row">{cohortDate(row.start)}</th>
                {data.breakdown !== null && <td className="left">{groupName(row.group, data.breakdown, t)}</td>}
                <td data-col="size">{format.integer(row.size)}</td>
                <td data-col="cac">{money(row.cac)}</td>
                <td data-col="payback">{row.paybackPeriod === null ? "—" : t("retention.periodN", { n: row.paybackPeriod })}</td>
                {row.cells.map((cell) => {
                  if (!cell.observed || cell.users === null) {
                    return <td key={cell.period} className="cell not-observed" data-period={cell.period} title={t("retention.notObserved")} />;
                  }
                  const here = cellOf(row, cell.period, data.breakdown);
                  const value = show === "share" ? format.percent(cell.share) : format.integer(cell.users);
                  const label = t("retention.cellLabel", { cohort: cohortDate(row.start), period: cell.period, users: format.integer(cell.users), size: format.integer(row.size), share: format.percent(cell.share) });
                  return (
                    <td key={cell.period} className={cell.complete ? "cell" : "cell incomplete"} data-period={cell.period}>
                      <button
                        type="button"
                        style={cellColours(cell.share ?? 0, maximum)}
                        aria-pressed={sameCell(selected, here)}
                        aria-label={cell.complete ? label : `${label} (${t("retention.incomplete")})`}
                        title={cell.complete ? label : `${label} (${t("retention.incomplete")})`}
                        onClick={() => onSelect(here)}
                      >
                        {value}
                      </button>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="note retention-legend" data-testid="retention-scale">
        <span className="retention-swatch" style={{ background: `linear-gradient(to right, ${cellColours(0, 1).background}, ${cellColours(1, 1).background})` }} aria-hidden="true" />
        {t("retention.scale", { min: format.percent(0), max: format.percent(maximum) })} {t("retention.legendIncomplete")} {t("retention.clickHint")}
      </p>
    </>
  );
}

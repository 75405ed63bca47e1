import { useQuery } from "@tanstack/react-query";
import { useApi } from "../api/context.js";
import { broadcastsQuery } from "../api/broadcasts-queries.js";
import { BroadcastDetail } from "../broadcasts/BroadcastDetail.js";
import { BroadcastsTable } from "../broadcasts/BroadcastsTable.js";
import { QueryState } from "../components/QueryState.js";
import { DEFAULT_WINDOWS, WindowPicker, useConversionWindow, useWindowText } from "../components/WindowPicker.js";
import { useFilters } from "../filters/use-filters.js";
import { useI18n } from "../i18n/i18n.js";
import { useLocation, useUpdateParams } from "../router/location.js";

/** The URL parameter naming the broadcast whose funnel and timeline are shown (a copied link keeps it). */
export const BROADCAST_PARAM = "broadcast";

/** How each рассылка did: the table of every broadcast in the period, then one broadcast's funnel and timeline. */
export function BroadcastsPage() {
  const { t } = useI18n();
  const api = useApi();
  const { api: filters } = useFilters();
  const { params } = useLocation();
  const update = useUpdateParams();
  const conversionWindow = useConversionWindow(DEFAULT_WINDOWS.broadcasts);
  const windowText = useWindowText();
  const query = useQuery(broadcastsQuery(api, filters, conversionWindow));
  const asked = params.get(BROADCAST_PARAM);

  return (
    <>
      <div className="section-head">
        <WindowPicker value={conversionWindow} />
      </div>
      <QueryState query={query} isEmpty={(data) => data.broadcasts.length === 0}>
        {(data) => {
          // The asked broadcast when the period lists it, else the newest.
          const selected = data.broadcasts.find((b) => b.broadcastId === asked)?.broadcastId ?? data.broadcasts[0]!.broadcastId;
          return (
            <>
              <BroadcastsTable
                rows={data.broadcasts}
                selected={selected}
                tz={data.range.tz}
                windowSeconds={data.windowSeconds}
                onSelect={(id) => update((p) => p.set(BROADCAST_PARAM, id))}
              />
              <p className="note">{t("broadcasts.window", { window: windowText(data.windowSeconds) })}</p>
              <BroadcastDetail key={selected} filters={filters} conversionWindow={conversionWindow} broadcastId={selected} />
            </>
          );
        }}
      </QueryState>
    </>
  );
}

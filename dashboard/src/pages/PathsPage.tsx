import { lazy, Suspense, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import type { PathNodeKind } from "@chatfunnel/schemas";
import { useApi } from "../api/context.js";
import { pathsQuery, type PathNodeParams } from "../api/surveys-paths-queries.js";
import { Loading, QueryState } from "../components/QueryState.js";
import { useFilters } from "../filters/use-filters.js";
import { useI18n } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";
import { DEFAULT_DEPTH, DEFAULT_START, PATHS_DEPTHS, START_OPTIONS } from "../paths/limits.js";
import { PathNodeUsers } from "../paths/PathNodeUsers.js";
import { toSankey } from "../paths/sankey-data.js";
import { useLocation, useUpdateParams } from "../router/location.js";

const SankeyChart = lazy(() => import("../paths/SankeyChart.js").then((m) => ({ default: m.SankeyChart })));

/** start and depth live in the URL like every other view setting. */
function usePathsParams() {
  const { params } = useLocation();
  const depth = Number(params.get("depth"));
  return {
    start: params.get("start") || DEFAULT_START,
    depth: (PATHS_DEPTHS as readonly number[]).includes(depth) ? depth : DEFAULT_DEPTH,
  };
}

/** Where in the script users go and leave: a Sankey from the start event; a node lists its users. */
export function PathsPage() {
  const { t, format } = useI18n();
  const api = useApi();
  const { api: filters } = useFilters();
  const params = usePathsParams();
  const update = useUpdateParams();
  const query = useQuery(pathsQuery(api, filters, params));
  const [selected, setSelected] = useState<PathNodeParams | null>(null);
  const kindLabel = (kind: PathNodeKind) => t(`paths.kind.${kind}` as MessageKey);
  const starts: readonly string[] = START_OPTIONS.includes(params.start as (typeof START_OPTIONS)[number]) ? START_OPTIONS : [...START_OPTIONS, params.start];

  return (
    <>
      <div className="section-head">
        <label className="field inline">
          <span>{t("paths.start")}</span>
          <select name="start" value={params.start} onChange={(e) => update((p) => p.set("start", e.target.value))}>
            {starts.map((start) => (
              <option key={start} value={start}>
                {start}
              </option>
            ))}
          </select>
        </label>
        <label className="field inline">
          <span>{t("paths.depth")}</span>
          <select name="depth" value={params.depth} onChange={(e) => update((p) => p.set("depth", e.target.value))}>
            {PATHS_DEPTHS.map((depth) => (
              <option key={depth} value={depth}>
                {depth}
              </option>
            ))}
          </select>
        </label>
      </div>
      <QueryState query={query} isEmpty={(data) => data.users === 0}>
        {(data) => {
          const selectedIndex = selected ? data.nodes.findIndex((n) => n.step === selected.step && n.kind === selected.kind && n.label === selected.label) : -1;
          const select = (index: number) => {
            const node = data.nodes[index];
            if (node) setSelected({ step: node.step, kind: node.kind, label: node.label });
          };
          return (
            <>
              <p className="note" data-testid="paths-users">
                {t("paths.summary", { users: format.integer(data.users), start: data.start })}
              </p>
              <section className="panel" aria-labelledby="paths-head">
                <h2 id="paths-head" className="panel-title">{t("paths.chart")}</h2>
                <figure className="chart" role="group" aria-labelledby="paths-head">
                  <div className="chart-canvas" style={{ minHeight: 420 }}>
                    <Suspense fallback={<Loading />}>
                      <SankeyChart data={toSankey(data)} onSelect={select} selected={selectedIndex >= 0 ? selectedIndex : null} />
                    </Suspense>
                  </div>
                  <p className="hint">{t("paths.clickHint")}</p>
                  <details className="chart-data" open>
                    <summary>{t("chart.data")}</summary>
                    <table className="data">
                      <thead>
                        <tr>
                          <th scope="col">{t("paths.step")}</th>
                          <th scope="col">{t("paths.label")}</th>
                          <th scope="col">{t("paths.kind")}</th>
                          <th scope="col">{t("paths.users")}</th>
                          <th scope="col">{t("paths.endedUsers")}</th>
                          <th scope="col">
                            <span className="sr-only">{t("paths.list")}</span>
                          </th>
                        </tr>
                      </thead>
                      <tbody>
                        {data.nodes.map((node, index) => (
                          <tr key={`${node.step}:${node.kind}:${node.label}`} data-testid="path-node-row">
                            <td>{node.step}</td>
                            <th scope="row">{node.label}</th>
                            <td>{kindLabel(node.kind)}</td>
                            <td data-col="users">{format.integer(node.users)}</td>
                            <td data-col="endedUsers">{format.integer(node.endedUsers)}</td>
                            <td>
                              <button type="button" className="secondary" onClick={() => select(index)}>
                                {t("paths.list")}
                              </button>
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </details>
                </figure>
              </section>
              {selected && selectedIndex >= 0 && <PathNodeUsers filters={filters} params={params} node={selected} />}
            </>
          );
        }}
      </QueryState>
    </>
  );
}

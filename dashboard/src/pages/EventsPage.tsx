import { useEffect, useRef, useState, type FormEvent } from "react";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { EVENT_TYPE_PATTERN_SOURCE, MAX_EVENT_TYPE_LENGTH, MAX_ID_LENGTH } from "@chatfunnel/contract";
import type { ExplorerEvent } from "@chatfunnel/schemas";
import { useApi } from "../api/context.js";
import { eventTypesQuery, eventsQuery, type EventSearch } from "../api/queries.js";
import { CopyButton } from "../components/CopyButton.js";
import { ErrorState, Loading } from "../components/QueryState.js";
import { attributionText, curlExample, exampleEventId, isEventType, mergeNewestFirst, parseEventSearch, sdkExample, writeEventSearch } from "../events/search.js";
import { todayIn } from "../filters/filters.js";
import { useFilters } from "../filters/use-filters.js";
import { useI18n } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";
import { replaceAll, useUpdateParams } from "../router/location.js";

/** Often enough that a developer sees an event arrive "at once", rarely enough to stay cheap. */
export const LIVE_INTERVAL_MS = 2000;
/** Properties shown inline; the rest are one click away. */
const INLINE_PROPERTIES = 3;

/**
 * The stored events, newest first, polled while the tab is visible: a bot developer checks here that
 * the integration works. Type and user filters live in the URL beside the global ones.
 */
export function EventsPage() {
  const { t } = useI18n();
  const api = useApi();
  const { api: filters, filters: global, params } = useFilters();
  const search = parseEventSearch(params);
  const update = useUpdateParams();
  const setSearch = (next: EventSearch) => update((p) => replaceAll(p, writeEventSearch(p, next)));
  const [live, setLive] = useState(true);

  // The period's events, newest first; older pages through the cursor. Read once per filter change.
  const options = eventsQuery(api, filters, search);
  const query = useInfiniteQuery(options);
  const keyText = JSON.stringify(options.queryKey);

  // New events come from polling the head, the period's newest page kept as its own query: older pages stay as
  // loaded, so nothing shifts under a reader who scrolled down, and a poll is one top-N read whatever was loaded.
  // react-query skips the interval while the tab is hidden and catches up when it comes back.
  const pollable = global.to >= todayIn(global.tz);
  const head = useInfiniteQuery({
    ...eventsQuery(api, filters, search, "head"),
    enabled: pollable && query.isSuccess && !query.isPlaceholderData,
    refetchInterval: live ? LIVE_INTERVAL_MS : false,
    refetchOnWindowFocus: live,
    // Another filter's head must never mix into this list.
    placeholderData: undefined,
  });
  const headEvents = head.data && !head.isPlaceholderData ? head.data.pages.slice(0, 1) : [];
  const events = mergeNewestFirst([...headEvents, ...(query.data?.pages ?? [])]);

  // Rows that arrive after the first answer are marked, so a new event catches the eye.
  const seen = useRef<{ key: string; ids: Set<string> } | null>(null);
  const known = seen.current?.key === keyText ? seen.current.ids : null;
  useEffect(() => {
    if (query.isPlaceholderData || !query.data) return;
    if (seen.current?.key !== keyText) seen.current = { key: keyText, ids: new Set() };
    for (const event of events) seen.current.ids.add(event.id);
  });

  return (
    <>
      <EventFilters search={search} onApply={setSearch} />
      <div className="section-head">
        <label className="check">
          <input type="checkbox" name="live" checked={live && pollable} disabled={!pollable} onChange={(e) => setLive(e.target.checked)} />
          {t("events.live")}
        </label>
        <p className="hint" data-testid="live-state">
          {!pollable ? t("events.livePast") : live ? t("events.liveOn") : t("events.liveOff")}
        </p>
      </div>
      {query.isPending ? (
        <Loading />
      ) : query.isError && !query.data ? (
        <ErrorState message={query.error.message} onRetry={() => void query.refetch()} />
      ) : events.length === 0 ? (
        search.types.length > 0 || search.userId ? (
          <div className="state state-empty">
            <p>{t("events.emptyFiltered")}</p>
            <button type="button" className="secondary" onClick={() => setSearch({ types: [], userId: "" })}>
              {t("events.clear")}
            </button>
          </div>
        ) : (
          <FirstEvent />
        )
      ) : (
        <div className="query-state" aria-busy={query.isFetching && !query.isRefetching} data-placeholder={query.isPlaceholderData || undefined}>
          {query.isError && <ErrorState message={query.error.message} onRetry={() => void query.refetch()} />}
          <div className="table-wrap">
            <table className="data events" data-testid="events-table">
              <caption>
                {t("events.table")} <span className="muted">({t("events.shown", { n: events.length })})</span>
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t("events.time")}</th>
                  <th scope="col">{t("events.type")}</th>
                  <th scope="col">{t("events.channel")}</th>
                  <th scope="col">{t("events.user.col")}</th>
                  <th scope="col">{t("events.bot")}</th>
                  <th scope="col">{t("events.attribution")}</th>
                  <th scope="col">{t("events.properties")}</th>
                </tr>
              </thead>
              <tbody>
                {events.map((event) => (
                  <EventRow
                    key={event.id}
                    event={event}
                    tz={global.tz}
                    fresh={known !== null && !known.has(event.id)}
                    onType={(type) => setSearch({ ...search, types: [type] })}
                    onUser={(userId) => setSearch({ ...search, userId })}
                  />
                ))}
              </tbody>
            </table>
          </div>
          {query.hasNextPage ? (
            <button type="button" className="secondary" disabled={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
              {query.isFetchingNextPage ? t("state.loading") : t("events.loadMore")}
            </button>
          ) : (
            <p className="hint">{t("events.end")}</p>
          )}
        </div>
      )}
    </>
  );
}

function EventRow({ event, tz, fresh, onType, onUser }: { event: ExplorerEvent; tz: string; fresh: boolean; onType: (type: string) => void; onUser: (userId: string) => void }) {
  const { t, format } = useI18n();
  const properties = Object.entries(event.properties ?? {});
  const inline = [
    ...(event.revenue !== undefined ? [`${format.money({ amount: event.revenue, currency: event.currency ?? "" })}`] : []),
    ...properties.slice(0, INLINE_PROPERTIES).map(([name, value]) => `${name}=${value}`),
  ];
  const more = properties.length - Math.min(properties.length, INLINE_PROPERTIES);
  const { receivedAt: _receivedAt, ...stored } = event;
  return (
    <tr data-event-id={event.id} data-type={event.type} data-new={fresh || undefined}>
      <td>
        <time dateTime={event.timestamp} title={t("events.received", { time: format.dateTimeSeconds(event.receivedAt, tz) })}>
          {format.dateTimeSeconds(event.timestamp, tz)}
        </time>
      </td>
      <td data-field="type">
        <button type="button" className="link tag" aria-label={t("events.filterByType", { type: event.type })} onClick={() => onType(event.type)}>
          {event.type}
        </button>
      </td>
      <td data-field="channel">{t(`channel.${event.channel}` as MessageKey)}</td>
      <td data-field="user">
        <button type="button" className="link" aria-label={t("events.filterByUser", { user: event.userId })} onClick={() => onUser(event.userId)}>
          {event.userId}
        </button>
      </td>
      <td data-field="bot">{event.botId}</td>
      <td data-field="attribution" className="wrap">
        {attributionText(event.source)}
      </td>
      <td data-field="properties" className="wrap">
        <details>
          <summary>
            {inline.join(" · ") || t("events.details")}
            {more > 0 && <span className="muted"> {t("events.propertiesMore", { n: more })}</span>}
          </summary>
          <pre className="event-json">{JSON.stringify({ ...stored, receivedAt: event.receivedAt }, null, 2)}</pre>
        </details>
      </td>
    </tr>
  );
}

/** Types to pick from (those the project sent, with counts), any other type typed in; one user id. */
function EventFilters({ search, onApply }: { search: EventSearch; onApply: (search: EventSearch) => void }) {
  const { t, format } = useI18n();
  const api = useApi();
  // Asked once the form is focused: the list scans 30 days of events, the events themselves come first.
  const [wantTypes, setWantTypes] = useState(false);
  const types = useQuery({ ...eventTypesQuery(api), enabled: wantTypes });
  const [typeText, setTypeText] = useState("");
  const [userId, setUserId] = useState(search.userId);
  useEffect(() => setUserId(search.userId), [search.userId]);
  const pendingType = typeText.trim();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const added = isEventType(pendingType) && !search.types.includes(pendingType) ? [pendingType] : [];
    setTypeText("");
    onApply({ types: [...search.types, ...added].sort(), userId: userId.trim() });
  };
  return (
    <form className="panel event-filters" onSubmit={submit} onFocus={() => setWantTypes(true)} aria-label={t("events.filters")}>
      <datalist id="explorer-event-types">
        {(types.data?.types ?? []).map((stat) => (
          <option key={stat.type} value={stat.type}>
            {t("funnel.typeSeen", { events: format.integer(stat.events), users: format.integer(stat.users) })}
          </option>
        ))}
      </datalist>
      {search.types.length > 0 && (
        <ul className="chips" aria-label={t("events.type")}>
          {search.types.map((type) => (
            <li key={type}>
              <code>{type}</code>
              <button type="button" className="link" aria-label={t("events.removeType", { type })} onClick={() => onApply({ ...search, types: search.types.filter((x) => x !== type) })}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <label className="field">
        <span>{search.types.length > 0 ? t("events.addType") : t("events.type")}</span>
        <input name="type" list="explorer-event-types" autoComplete="off" pattern={EVENT_TYPE_PATTERN_SOURCE} maxLength={MAX_EVENT_TYPE_LENGTH} value={typeText} onChange={(e) => setTypeText(e.target.value)} />
      </label>
      <label className="field">
        <span>{t("events.user")}</span>
        <input name="user" autoComplete="off" maxLength={MAX_ID_LENGTH} value={userId} onChange={(e) => setUserId(e.target.value)} />
      </label>
      <button type="submit">{t("events.apply")}</button>
      {(search.types.length > 0 || search.userId) && (
        <button type="button" className="link" onClick={() => onApply({ types: [], userId: "" })}>
          {t("events.clear")}
        </button>
      )}
    </form>
  );
}

/** What an empty explorer says: how to send the first event, with this server's address filled in. */
function FirstEvent() {
  const { t } = useI18n();
  const origin = window.location.origin;
  const writeKey = t("events.writeKeyPlaceholder");
  const [example] = useState(() => ({ id: exampleEventId(), timestamp: new Date().toISOString() }));
  const curl = curlExample(origin, writeKey, example.id, example.timestamp);
  const sdk = sdkExample(origin, writeKey);
  return (
    <section className="panel first-event" aria-labelledby="first-event" data-testid="events-empty">
      <h2 id="first-event">{t("events.emptyTitle")}</h2>
      <p>{t("events.emptyExplain")}</p>
      <h3>{t("events.emptyCurl")}</h3>
      <pre className="snippet" data-testid="curl-example">{curl}</pre>
      <CopyButton text={curl} what={t("events.emptyCurl")} />
      <h3>{t("events.emptySdk")}</h3>
      <pre className="snippet">{sdk}</pre>
      <CopyButton text={sdk} what={t("events.emptySdk")} />
      <p className="hint">{t("events.emptyRaw", { url: origin })}</p>
    </section>
  );
}

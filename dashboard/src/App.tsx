import { Suspense, useEffect, useMemo, useRef, useState } from "react";
import { QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ApiProvider } from "./api/context.js";
import { ApiRequestError, createApiClient } from "./api/client.js";
import { KeyGate } from "./auth/KeyGate.js";
import { rememberReadKey, takeReadKey } from "./auth/read-key.js";
import { preloadCharts } from "./components/ChartFigure.js";
import { ErrorBoundary } from "./components/ErrorBoundary.js";
import { LanguageSwitch } from "./components/LanguageSwitch.js";
import { ErrorState, Loading } from "./components/QueryState.js";
import { FilterBar } from "./filters/FilterBar.js";
import { writeFilters } from "./filters/filters.js";
import { useFilters } from "./filters/use-filters.js";
import { I18nProvider, useI18n } from "./i18n/i18n.js";
import type { Locale } from "./i18n/messages.js";
import { navigate, onLinkClick, useLocation } from "./router/location.js";
import { ROUTES, routeFor } from "./routes.js";

export function App({ locale, fetchImpl }: { locale?: Locale; fetchImpl?: typeof fetch } = {}) {
  return (
    <I18nProvider locale={locale}>
      <Session fetchImpl={fetchImpl} />
    </I18nProvider>
  );
}

/** Holds the read key; a 401 from any query forgets it and asks again. */
function Session({ fetchImpl }: { fetchImpl?: typeof fetch }) {
  const [key, setKey] = useState<string | null>(() => takeReadKey());
  const [rejected, setRejected] = useState(false);
  const session = useMemo(() => {
    if (!key) return null;
    const onUnauthorized = () => {
      rememberReadKey(null);
      setRejected(true);
      setKey(null);
    };
    const client = new QueryClient({
      queryCache: new QueryCache({ onError: (error) => error instanceof ApiRequestError && error.status === 401 && onUnauthorized() }),
      defaultOptions: {
        queries: {
          // A 4xx will not get better by asking again; a 503 (busy engine) might.
          retry: (count, error) => count < 2 && !(error instanceof ApiRequestError && error.status < 500),
          refetchOnWindowFocus: false,
        },
      },
    });
    return { client, api: createApiClient(key, fetchImpl) };
  }, [key, fetchImpl]);

  if (!session) {
    return (
      <KeyGate
        rejected={rejected}
        onKey={(next) => {
          rememberReadKey(next);
          setRejected(false);
          setKey(next);
        }}
      />
    );
  }
  return (
    <QueryClientProvider client={session.client}>
      <ApiProvider client={session.api}>
        <Shell
          onSignOut={() => {
            rememberReadKey(null);
            setKey(null);
          }}
        />
      </ApiProvider>
    </QueryClientProvider>
  );
}

function Shell({ onSignOut }: { onSignOut: () => void }) {
  const { t } = useI18n();
  const { path } = useLocation();
  const { filters, params } = useFilters();
  const route = routeFor(path);
  const Page = route.page;

  // The URL always spells out the filters in force (preset, time zone), so a copied link shows the same view.
  useEffect(() => {
    const canonical = writeFilters(params, filters);
    if (canonical.toString() !== params.toString()) navigate(window.location.pathname, canonical, { replace: true });
  }, [params, filters]);

  // The charting chunk loads while the page's figures are being computed, not after its first data arrives.
  useEffect(() => void preloadCharts(), []);

  useEffect(() => {
    document.title = `${t(route.title)} · ${t("app.title")}`;
  }, [route, t]);

  // After moving to another page, focus goes to its content so keyboard and screen-reader users start there.
  const main = useRef<HTMLElement>(null);
  const previousRoute = useRef(route);
  useEffect(() => {
    if (route !== previousRoute.current) main.current?.focus();
    previousRoute.current = route;
  }, [route]);

  const query = writeFilters(new URLSearchParams(), filters).toString();
  return (
    <div className="app">
      <a className="skip" href="#main">
        {t("app.skip")}
      </a>
      <header className="topbar">
        <span className="brand">{t("app.title")}</span>
        <nav aria-label={t("nav.label")}>
          {ROUTES.map((r) => (
            <a key={r.path} href={`${r.path}?${query}`} onClick={onLinkClick} aria-current={r === route ? "page" : undefined}>
              {t(r.title)}
            </a>
          ))}
        </nav>
        <div className="topbar-end">
          <LanguageSwitch />
          <button type="button" className="link" onClick={onSignOut}>
            {t("app.signOut")}
          </button>
        </div>
      </header>
      <FilterBar />
      <main id="main" tabIndex={-1} ref={main} aria-labelledby="page-title">
        <h1 id="page-title">{t(route.title)}</h1>
        <ErrorBoundary resetKey={route.path} fallback={(error, reset) => <ErrorState message={error.message} onRetry={reset} />}>
          <Suspense fallback={<Loading />}>
            <Page />
          </Suspense>
        </ErrorBoundary>
      </main>
    </div>
  );
}

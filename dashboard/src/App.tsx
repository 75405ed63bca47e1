import { Suspense, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ApiProvider } from "./api/context.js";
import { ApiRequestError, createApiClient, type ApiCredentials } from "./api/client.js";
import { chooseProject, fetchMe, forgetShareToken, hasSessionHint, inviteToken, logOut, rememberProject, takeShareToken, type Me } from "./auth/account.js";
import { ProjectSwitcher } from "./auth/ProjectSwitcher.js";
import { ShareGate, type OpenedShare } from "./auth/ShareGate.js";
import { GatePage, InviteGate, SignIn } from "./auth/SignIn.js";
import { rememberReadKey, takeReadKey } from "./auth/read-key.js";
import { preloadCharts } from "./components/ChartFigure.js";
import { ErrorBoundary } from "./components/ErrorBoundary.js";
import { LanguageSwitch } from "./components/LanguageSwitch.js";
import { ErrorState, Loading } from "./components/QueryState.js";
import { FilterBar } from "./filters/FilterBar.js";
import { writeFilters } from "./filters/filters.js";
import { useFilters } from "./filters/use-filters.js";
import { I18nProvider, useI18n } from "./i18n/i18n.js";
import type { Locale, MessageKey } from "./i18n/messages.js";
import { navigate, onLinkClick, useLocation } from "./router/location.js";
import { ROUTES, routeFor, type Route } from "./routes.js";

export function App({ locale, fetchImpl }: { locale?: Locale; fetchImpl?: typeof fetch } = {}) {
  return (
    <I18nProvider locale={locale}>
      <Session fetchImpl={fetchImpl} />
    </I18nProvider>
  );
}

type Mode =
  | { kind: "signin"; keyRejected: boolean }
  | { kind: "checking" }
  | { kind: "invite"; token: string }
  | { kind: "key"; key: string }
  | { kind: "account"; me: Me; project: string | undefined }
  | { kind: "share"; token: string; opened?: OpenedShare };

/** Where the dashboard starts: a share link, an invite, the printed #key= URL or a remembered key, a session, or the sign-in page. */
function initialMode(): Mode {
  const share = takeShareToken();
  if (share) return { kind: "share", token: share };
  const invite = inviteToken();
  if (invite) return { kind: "invite", token: invite };
  const key = takeReadKey();
  if (key) return { kind: "key", key };
  return hasSessionHint() ? { kind: "checking" } : { kind: "signin", keyRejected: false };
}

/** The pages a share link shows: the reports, not links, webhooks, settings or users (the API refuses those to it). */
const SHARE_PAGES = new Set(["/", "/funnel", "/channels", "/costs", "/engagement", "/events", "/broadcasts", "/support", "/surveys", "/paths", "/retention"]);

/** Holds the credentials (key, session, share link); a 401 from any query forgets them and asks again. */
function Session({ fetchImpl = (...args) => fetch(...args) }: { fetchImpl?: typeof fetch }) {
  const { t } = useI18n();
  const [mode, setMode] = useState<Mode>(initialMode);

  const checkSession = useCallback(() => {
    setMode({ kind: "checking" });
    fetchMe(fetchImpl).then(
      (me) => setMode({ kind: "account", me, project: chooseProject(me) }),
      () => setMode({ kind: "signin", keyRejected: false }),
    );
  }, [fetchImpl]);
  useEffect(() => {
    if (mode.kind === "checking") checkSession();
    // Only the first render can start in "checking"; later checks call checkSession themselves.
  }, []);

  const credentials: ApiCredentials | null =
    mode.kind === "key"
      ? { kind: "key", key: mode.key }
      : mode.kind === "account" && mode.project
        ? { kind: "session", project: mode.project }
        : mode.kind === "share" && mode.opened
          ? { kind: "share", token: mode.opened.bearer }
          : null;
  const credentialsKey = credentials ? JSON.stringify(credentials) : null;

  const session = useMemo(() => {
    if (!credentials) return null;
    const onUnauthorized = () => {
      if (credentials.kind === "key") {
        rememberReadKey(null);
        setMode({ kind: "signin", keyRejected: true });
      } else if (credentials.kind === "session") setMode({ kind: "signin", keyRejected: false });
      else {
        forgetShareToken();
        setMode({ kind: "signin", keyRejected: false });
      }
    };
    const client = new QueryClient({
      queryCache: new QueryCache({ onError: (error) => error instanceof ApiRequestError && (error.status === 401 || error.status === 410) && onUnauthorized() }),
      defaultOptions: {
        queries: {
          // A 4xx will not get better by asking again; a 503 (busy engine) might.
          retry: (count, error) => count < 2 && !(error instanceof ApiRequestError && error.status < 500),
          refetchOnWindowFocus: false,
        },
      },
    });
    return { client, api: createApiClient(credentials, fetchImpl) };
    // A new client (and query cache) per credentials: switching project never shows another project's answers.
  }, [credentialsKey, fetchImpl]);

  if (mode.kind === "checking") return <Loading />;
  if (mode.kind === "invite") return <InviteGate fetchImpl={fetchImpl} token={mode.token} onSignedIn={checkSession} />;
  if (mode.kind === "share" && !mode.opened) {
    return (
      <ShareGate
        fetchImpl={fetchImpl}
        token={mode.token}
        onOpen={(opened) => {
          // The link's filters go into the URL, so the filter bar shows what the server enforces anyway.
          const params = new URLSearchParams(window.location.search);
          for (const name of ["channel", "bot", "campaign"]) params.delete(name);
          for (const channel of opened.info.filters.channel ?? []) params.append("channel", channel);
          if (opened.info.filters.botId) params.set("bot", opened.info.filters.botId);
          if (opened.info.filters.campaign) params.set("campaign", opened.info.filters.campaign);
          navigate(window.location.pathname, params, { replace: true });
          setMode({ kind: "share", token: mode.token, opened });
        }}
      />
    );
  }
  if (mode.kind === "account" && !mode.project) {
    return (
      <GatePage title={t("auth.title")}>
        <p>{t("auth.noProjects")}</p>
        <button type="button" onClick={() => void logOut(fetchImpl).finally(() => setMode({ kind: "signin", keyRejected: false }))}>
          {t("auth.logout")}
        </button>
      </GatePage>
    );
  }
  if (!session) {
    return (
      <SignIn
        fetchImpl={fetchImpl}
        keyRejected={mode.kind === "signin" && mode.keyRejected}
        onSignedIn={checkSession}
        onKey={(next) => {
          rememberReadKey(next);
          setMode({ kind: "key", key: next });
        }}
      />
    );
  }
  const shell =
    mode.kind === "account" ? (
      <Shell
        routes={ROUTES}
        signOutLabel="auth.logout"
        onSignOut={() => void logOut(fetchImpl).finally(() => setMode({ kind: "signin", keyRejected: false }))}
        headerStart={
          <ProjectSwitcher
            me={mode.me}
            project={mode.project!}
            onChange={(project) => {
              rememberProject(project);
              setMode({ ...mode, project });
            }}
          />
        }
        account={mode.me.email}
      />
    ) : mode.kind === "share" ? (
      <Shell
        routes={ROUTES.filter((route) => SHARE_PAGES.has(route.path))}
        signOutLabel="share.leave"
        onSignOut={() => {
          forgetShareToken();
          setMode({ kind: "signin", keyRejected: false });
        }}
        headerStart={<span className="project-name">{mode.opened!.info.project.name}</span>}
        banner={<ShareBanner share={mode.opened!} />}
        segmentFixed
      />
    ) : (
      <Shell
        routes={ROUTES}
        signOutLabel="app.signOut"
        onSignOut={() => {
          rememberReadKey(null);
          setMode({ kind: "signin", keyRejected: false });
        }}
      />
    );
  return (
    // Keyed: react-query's observers keep the client they were made with, so a project switch remounts the pages.
    <QueryClientProvider key={credentialsKey} client={session.client}>
      <ApiProvider client={session.api}>{shell}</ApiProvider>
    </QueryClientProvider>
  );
}

function ShareBanner({ share }: { share: OpenedShare }) {
  const { t } = useI18n();
  const { channel, botId, campaign } = share.info.filters;
  const fixed = [...(channel ?? []), botId, campaign].filter(Boolean).join(", ");
  return (
    <p className="share-banner" role="note" data-testid="share-banner">
      {fixed ? t("share.readOnlyFiltered", { filters: fixed }) : t("share.readOnly")}
    </p>
  );
}

interface ShellProps {
  routes: Route[];
  onSignOut: () => void;
  signOutLabel: MessageKey;
  /** Beside the brand: the project switcher, or the shared project's name. */
  headerStart?: ReactNode;
  /** The signed-in account's email. */
  account?: string;
  banner?: ReactNode;
  /** A share link: the channel, bot and campaign filters are the link's and cannot be changed. */
  segmentFixed?: boolean;
}

function Shell({ routes, onSignOut, signOutLabel, headerStart, account, banner, segmentFixed }: ShellProps) {
  const { t } = useI18n();
  const { path } = useLocation();
  const { filters, params } = useFilters();
  const route = routeFor(path, routes);
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
        {headerStart}
        <nav aria-label={t("nav.label")}>
          {routes.map((r) => (
            <a key={r.path} href={`${r.path}?${query}`} onClick={onLinkClick} aria-current={r === route ? "page" : undefined}>
              {t(r.title)}
            </a>
          ))}
        </nav>
        <div className="topbar-end">
          <LanguageSwitch />
          {account && <span className="account">{account}</span>}
          <button type="button" className="link" onClick={onSignOut}>
            {t(signOutLabel)}
          </button>
        </div>
      </header>
      {banner}
      <FilterBar segmentFixed={segmentFixed} />
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

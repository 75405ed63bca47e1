import type { Storage } from "@chatfunnel/core";
import type { EventRow } from "@chatfunnel/warehouse";

/** What attribution needs of a tracked link (the links table, migration 7). */
export interface CatalogLink {
  projectId: string;
  id: string;
  code: string;
  /** "" when the link has no click-to-WhatsApp ad id. */
  adId: string;
  campaign: string;
  source: string;
  medium: string;
  content: string;
  term: string;
}

/** How often a writer re-reads the links table: a link made by another process applies within this. */
export const LINK_CATALOG_REFRESH_MS = 2000;

interface LinkDbRow {
  project_id: string;
  id: string;
  code: string;
  ad_id: string;
  campaign: string;
  source: string;
  medium: string;
  content: string;
  term: string;
}

const key = (projectId: string, value: string) => `${projectId}\u0000${value}`;

/**
 * Tracked links by code and by ad id, per project, for write-time attribution. It lives beside the
 * events writer (embedded and Kafka consumer alike, see linkCatalogFor): an event is attributed
 * once, as it is stored, so the first-touch rollup, the campaign filter and costs by campaign all
 * see the link's campaign without re-reading anything. A link made after an event does not change it.
 *
 * The table is re-read at most every LINK_CATALOG_REFRESH_MS, only when rows are being written; the
 * process that creates a link puts it here at once.
 */
export class LinkCatalog {
  private byCode = new Map<string, CatalogLink>();
  private byAdId = new Map<string, CatalogLink>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;
  /** Changes made while a refresh is reading: re-applied on top of what it read. */
  private changesDuringLoad: Array<() => void> = [];
  /** The last refresh failure, kept for diagnosis; rows meanwhile go unattributed, never lost. */
  lastError: unknown;

  constructor(
    private readonly storage: Storage,
    private readonly refreshMs = LINK_CATALOG_REFRESH_MS,
  ) {}

  get size(): number {
    return this.byCode.size;
  }

  /**
   * Fills source fields from the link whose code (or ad id) is the row's source_payload, unless the
   * event names its own campaign. Rows are changed in place; a payload matching no link stays as is.
   * Idempotent, so a retried insert attributes the same way.
   */
  async attribute(rows: EventRow[]): Promise<EventRow[]> {
    await this.fresh();
    if (this.byCode.size === 0 && this.byAdId.size === 0) return rows;
    for (const row of rows) {
      if (row.source_payload === "" || row.source_campaign !== "") continue;
      const k = key(row.project_id, row.source_payload);
      const link = this.byCode.get(k) ?? this.byAdId.get(k);
      if (!link) continue;
      row.source_campaign = link.campaign;
      if (link.source !== "") row.source_source = link.source;
      if (link.medium !== "") row.source_medium = link.medium;
      if (link.content !== "") row.source_content = link.content;
      if (link.term !== "") row.source_term = link.term;
    }
    return rows;
  }

  /** The link, as the process that just stored it knows it: attribution applies from the next insert. */
  put(link: CatalogLink): void {
    const apply = () => {
      this.byCode.set(key(link.projectId, link.code), link);
      if (link.adId !== "") this.byAdId.set(key(link.projectId, link.adId), link);
    };
    apply();
    if (this.loading) this.changesDuringLoad.push(apply);
  }

  remove(projectId: string, id: string): void {
    const apply = () => {
      for (const map of [this.byCode, this.byAdId]) {
        for (const [k, link] of map) if (link.projectId === projectId && link.id === id) map.delete(k);
      }
    };
    apply();
    if (this.loading) this.changesDuringLoad.push(apply);
  }

  /** The first use waits for the table; later ones refresh in the background when it is stale. */
  private async fresh(): Promise<void> {
    if (Date.now() - this.loadedAt < this.refreshMs) return;
    const first = this.loadedAt === Number.NEGATIVE_INFINITY;
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    if (first) await this.loading;
  }

  private async load(): Promise<void> {
    this.changesDuringLoad = [];
    try {
      const result = await this.storage.client.query({
        query: `SELECT project_id, id, code, ad_id, campaign, source, medium, content, term
                FROM ${this.storage.database}.links FINAL WHERE deleted = 0`,
        format: "JSONEachRow",
        clickhouse_settings: this.storage.querySettings,
      });
      const rows = await result.json<LinkDbRow>();
      const byCode = new Map<string, CatalogLink>();
      const byAdId = new Map<string, CatalogLink>();
      for (const row of rows) {
        const link = catalogLink(row);
        byCode.set(key(link.projectId, link.code), link);
        if (link.adId !== "") byAdId.set(key(link.projectId, link.adId), link);
      }
      this.byCode = byCode;
      this.byAdId = byAdId;
      for (const change of this.changesDuringLoad) change();
      this.lastError = undefined;
    } catch (error) {
      // Storage is briefly unavailable: events are still stored (payload kept); try again soon.
      this.lastError = error;
    } finally {
      this.changesDuringLoad = [];
      this.loadedAt = Date.now();
    }
  }
}

function catalogLink(row: LinkDbRow): CatalogLink {
  return {
    projectId: row.project_id,
    id: row.id,
    code: row.code,
    adId: row.ad_id,
    campaign: row.campaign,
    source: row.source,
    medium: row.medium,
    content: row.content,
    term: row.term,
  };
}

const catalogs = new WeakMap<Storage, LinkCatalog>();

/**
 * The one catalog of a storage handle: the events writer attributes with it and, in the embedded
 * process, the links API puts new links into the same one, so they apply at once.
 */
export function linkCatalogFor(storage: Storage): LinkCatalog {
  let catalog = catalogs.get(storage);
  if (!catalog) {
    catalog = new LinkCatalog(storage);
    catalogs.set(storage, catalog);
  }
  return catalog;
}

import { randomUUID } from "node:crypto";
import type { Storage } from "@chatfunnel/core";
import { DEFAULT_PROJECT_LANGUAGE, MAX_DIGESTS_PER_PROJECT, viewDeliverTarget, type Config, type Digest, type DigestCreateBody } from "@chatfunnel/schemas";
import { refusedAddress } from "@chatfunnel/ingest";
import { insertDigest, lastDigestSends, projectDigests, readProjectSettings, type DigestRecord, type DigestSendRecord } from "@chatfunnel/warehouse";
import { projectTimeZone } from "../metrics/project-settings.js";
import { defaultDigestName } from "./digest-text.js";
import { nextSendTimeMs } from "./periods.js";

/** Refusals of a create that are the request's fault: the route answers 400 naming `field`. */
export class DigestInputError extends Error {
  override name = "DigestInputError";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const lastSendView = (send: DigestSendRecord | undefined): Digest["lastSend"] =>
  send ? { at: send.at, trigger: send.trigger, periodFrom: send.periodFrom, periodTo: send.periodTo, state: send.state, error: send.error } : null;

function toDigest(record: DigestRecord, lastSend: DigestSendRecord | undefined, tz: string, nowMs: number): Digest {
  return {
    id: record.id,
    name: record.name,
    schedule: record.schedule,
    deliver: viewDeliverTarget(record.deliver),
    filters: record.filters,
    createdAt: record.createdAt,
    lastSend: lastSendView(lastSend),
    nextSendAt: new Date(nextSendTimeMs(record.schedule, nowMs, tz)).toISOString(),
  };
}

export async function createDigest(storage: Storage, projectId: string, body: DigestCreateBody, config: Pick<Config, "WEBHOOK_ALLOW_PRIVATE">): Promise<Digest> {
  if (body.deliver.webhook) {
    const refused = await refusedAddress(body.deliver.webhook.url, config.WEBHOOK_ALLOW_PRIVATE);
    if (refused) throw new DigestInputError("deliver.webhook.url", refused);
  }
  if ((await projectDigests(storage, projectId)).length >= MAX_DIGESTS_PER_PROJECT) {
    throw new DigestInputError("(root)", `a project has at most ${MAX_DIGESTS_PER_PROJECT} digests; delete one first`);
  }
  const [tz, settings] = await Promise.all([projectTimeZone(storage, projectId), readProjectSettings(storage, projectId)]);
  const record: DigestRecord = {
    projectId,
    id: `dg_${randomUUID().replaceAll("-", "").slice(0, 20)}`,
    // Named in the project's language at creation when no name is given; the name is then the digest's own.
    name: body.name ?? defaultDigestName(body.schedule, settings?.language ?? DEFAULT_PROJECT_LANGUAGE),
    schedule: body.schedule,
    deliver: body.deliver,
    filters: body.filters ?? {},
    createdAt: new Date().toISOString(),
  };
  await insertDigest(storage, record);
  return toDigest(record, undefined, tz, Date.now());
}

export async function listDigests(storage: Storage, projectId: string, nowMs = Date.now()): Promise<Digest[]> {
  const [records, tz] = await Promise.all([projectDigests(storage, projectId), projectTimeZone(storage, projectId)]);
  const last = await lastDigestSends(storage, projectId, records.map((record) => record.id));
  return records.map((record) => toDigest(record, last.get(record.id), tz, nowMs));
}

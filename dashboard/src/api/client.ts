/** An answer other than 2xx, with the API's own error code and message when it sent one. */
export class ApiRequestError extends Error {
  override name = "ApiRequestError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export type QueryValue = string | number | boolean | undefined | null | readonly (string | number)[];

export function toSearchParams(query: Record<string, QueryValue>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) for (const item of value) params.append(name, String(item));
    else params.set(name, String(value));
  }
  return params;
}

async function errorFrom(response: Response): Promise<ApiRequestError> {
  let code = "http_error";
  let message = response.statusText || `HTTP ${response.status}`;
  let details: unknown;
  try {
    const body: unknown = await response.json();
    if (body && typeof body === "object" && "error" in body && body.error && typeof body.error === "object") {
      const error = body.error as { code?: unknown; message?: unknown; details?: unknown };
      if (typeof error.code === "string") code = error.code;
      if (typeof error.message === "string") message = error.message;
      details = error.details;
    }
  } catch {
    /* not JSON: keep the status text */
  }
  return new ApiRequestError(response.status, code, message, details);
}

export interface ApiClient {
  /**
   * GET /api/v1/<path>. The answer's type is the z.infer of the schema the API documents and tests its
   * answers against; the browser does not parse it again, which would ship zod in the bundle.
   */
  get<T>(path: string, query: Record<string, QueryValue>, signal?: AbortSignal): Promise<T>;
  getText(path: string, query: Record<string, QueryValue>, signal?: AbortSignal): Promise<string>;
  post<T>(path: string, body: BodyInit, contentType: string, bearer?: string): Promise<T>;
  /** DELETE /api/v1/<path>; resolves on any 2xx (204 has no body). */
  delete(path: string): Promise<void>;
  /** PATCH or DELETE /api/v1/<path> with an optional JSON body, resolving with the JSON answer (project settings, people deletion). */
  send<T>(method: "PATCH" | "DELETE", path: string, body?: unknown): Promise<T>;
}

/**
 * How the dashboard proves who it is: a key (Authorization: Bearer, the printed #key= URL), a share link's
 * token (the same header, read-only), or the session cookie the browser sends by itself, with the project
 * chosen in the header switcher named in X-Chatfunnel-Project.
 */
export type ApiCredentials = { kind: "key"; key: string } | { kind: "share"; token: string } | { kind: "session"; project: string };

export const PROJECT_HEADER = "X-Chatfunnel-Project";

function authHeaders(credentials: ApiCredentials): Record<string, string> {
  if (credentials.kind === "session") return { [PROJECT_HEADER]: credentials.project };
  return { Authorization: `Bearer ${credentials.kind === "key" ? credentials.key : credentials.token}` };
}

export function createApiClient(auth: string | ApiCredentials, fetchImpl: typeof fetch = (...args) => fetch(...args)): ApiClient {
  const credentials: ApiCredentials = typeof auth === "string" ? { kind: "key", key: auth } : auth;
  const readKey = credentials.kind === "key" ? credentials.key : undefined;
  const url = (path: string, query: Record<string, QueryValue>) => {
    const search = toSearchParams(query).toString();
    return `/api/v1/${path}${search ? `?${search}` : ""}`;
  };
  const send = async (path: string, query: Record<string, QueryValue>, accept: string, signal?: AbortSignal) => {
    const response = await fetchImpl(url(path, query), { headers: { ...authHeaders(credentials), Accept: accept }, signal });
    if (!response.ok) throw await errorFrom(response);
    return response;
  };
  return {
    get: async <T,>(path: string, query: Record<string, QueryValue>, signal?: AbortSignal) =>
      (await (await send(path, query, "application/json", signal)).json()) as T,
    getText: async (path, query, signal) => (await send(path, query, "text/csv", signal)).text(),
    post: async <T,>(path: string, body: BodyInit, contentType: string, bearer = readKey) => {
      const response = await fetchImpl(`/api/v1/${path}`, {
        method: "POST",
        headers: { ...(bearer === undefined ? authHeaders(credentials) : { Authorization: `Bearer ${bearer}` }), "Content-Type": contentType, Accept: "application/json" },
        body,
      });
      if (!response.ok) throw await errorFrom(response);
      return (await response.json()) as T;
    },
    delete: async (path) => {
      const response = await fetchImpl(`/api/v1/${path}`, { method: "DELETE", headers: { ...authHeaders(credentials), Accept: "application/json" } });
      if (!response.ok) throw await errorFrom(response);
    },
    send: async <T,>(method: "PATCH" | "DELETE", path: string, body?: unknown) => {
      const headers: Record<string, string> = { ...authHeaders(credentials), Accept: "application/json" };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      const response = await fetchImpl(`/api/v1/${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      if (!response.ok) throw await errorFrom(response);
      return (await response.json()) as T;
    },
  };
}

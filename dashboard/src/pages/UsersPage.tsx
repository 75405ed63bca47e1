import { useCallback, useEffect, useId, useState, type FormEvent } from "react";
import type { AdminProjectsResponse, AdminUsersResponse, Role } from "@chatfunnel/schemas";
import { useI18n } from "../i18n/i18n.js";

/**
 * User management for the admin: it takes the admin token (CHATFUNNEL_ADMIN_TOKEN or the printed one), kept
 * for this tab only, and calls /admin/v1 with it. Whoever holds that token administers the install anyway;
 * the page does nothing the token could not do with curl.
 */
const TOKEN_STORAGE = "chatfunnel.adminToken";
const ROLES: Role[] = ["viewer", "editor", "owner"];

function storedToken(): string {
  try {
    return sessionStorage.getItem(TOKEN_STORAGE) ?? "";
  } catch {
    return "";
  }
}

async function admin<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`/admin/v1/${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, Accept: "application/json", ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!response.ok) {
    const answer = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
    throw new Error(answer.error?.message ?? `HTTP ${response.status}`);
  }
  return (response.status === 204 ? undefined : await response.json()) as T;
}

type Users = AdminUsersResponse["users"];
type Projects = AdminProjectsResponse["projects"];

export function UsersPage() {
  const { t } = useI18n();
  const id = useId();
  const [token, setToken] = useState(storedToken);
  const [draftToken, setDraftToken] = useState("");
  const [users, setUsers] = useState<Users | null>(null);
  const [projects, setProjects] = useState<Projects>([]);
  const [error, setError] = useState<string | null>(null);
  const [invite, setInvite] = useState<string | null>(null);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [project, setProject] = useState("");
  const [role, setRole] = useState<Role>("viewer");

  const load = useCallback(async () => {
    if (!token) return;
    try {
      const [listed, projectList] = await Promise.all([admin<AdminUsersResponse>(token, "GET", "users"), admin<AdminProjectsResponse>(token, "GET", "projects")]);
      setUsers(listed.users);
      setProjects(projectList.projects);
      setProject((current) => current || projectList.projects[0]?.id || "");
      setError(null);
    } catch (failure) {
      setError(t("users.failed", { message: (failure as Error).message }));
    }
  }, [token, t]);
  useEffect(() => void load(), [load]);

  const act = async (work: () => Promise<unknown>) => {
    try {
      await work();
      await load();
    } catch (failure) {
      setError(t("users.failed", { message: (failure as Error).message }));
    }
  };

  if (!token) {
    return (
      <form
        className="stack"
        onSubmit={(event: FormEvent) => {
          event.preventDefault();
          try {
            sessionStorage.setItem(TOKEN_STORAGE, draftToken.trim());
          } catch {
            /* kept in memory only */
          }
          setToken(draftToken.trim());
        }}
      >
        <label htmlFor={`${id}-token`}>{t("users.token")}</label>
        <input id={`${id}-token`} type="password" autoComplete="off" value={draftToken} onChange={(e) => setDraftToken(e.target.value)} required />
        <p className="hint">{t("users.tokenHint")}</p>
        <button type="submit">{t("users.open")}</button>
      </form>
    );
  }
  const projectName = (projectId: string) => projects.find((p) => p.id === projectId)?.name ?? projectId;
  return (
    <div className="stack" data-testid="users-page">
      {error && (
        <p role="alert" className="state state-error">
          {error}
        </p>
      )}
      <form
        className="stack"
        aria-label={t("users.create")}
        onSubmit={(event: FormEvent) => {
          event.preventDefault();
          void act(async () => {
            const created = await admin<{ inviteUrl?: string }>(token, "POST", "users", { email, ...(password ? { password } : {}), roles: project ? [{ project, role }] : [] });
            setInvite(created.inviteUrl ?? null);
            setEmail("");
            setPassword("");
          });
        }}
      >
        <label htmlFor={`${id}-email`}>{t("auth.email")}</label>
        <input id={`${id}-email`} type="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
        <label htmlFor={`${id}-password`}>{t("users.passwordOptional")}</label>
        <input id={`${id}-password`} type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        <label htmlFor={`${id}-project`}>{t("auth.project")}</label>
        <select id={`${id}-project`} value={project} onChange={(e) => setProject(e.target.value)}>
          {projects.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-role`}>{t("users.role")}</label>
        <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`role.${r}`)}
            </option>
          ))}
        </select>
        <button type="submit">{t("users.create")}</button>
      </form>
      {invite && (
        <p className="state" data-testid="invite-url">
          {t("users.invite", { url: invite })}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">{t("auth.email")}</th>
            <th scope="col">{t("users.roles")}</th>
            <th scope="col" />
          </tr>
        </thead>
        <tbody>
          {(users ?? []).map((user) => (
            <tr key={user.id}>
              <td>
                {user.email}
                {!user.hasPassword && ` (${t("users.invited")})`}
              </td>
              <td>
                {user.roles.map((granted) => (
                  <span key={granted.project} className="role">
                    {projectName(granted.project)}:{" "}
                    <select
                      aria-label={t("users.roleIn", { email: user.email, project: projectName(granted.project) })}
                      value={granted.role}
                      onChange={(e) => void act(() => admin(token, "PUT", `users/${encodeURIComponent(user.id)}/roles/${encodeURIComponent(granted.project)}`, { role: e.target.value }))}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {t(`role.${r}`)}
                        </option>
                      ))}
                    </select>{" "}
                    <button type="button" className="link" onClick={() => void act(() => admin(token, "DELETE", `users/${encodeURIComponent(user.id)}/roles/${encodeURIComponent(granted.project)}`))}>
                      {t("users.removeRole")}
                    </button>
                  </span>
                ))}
                {project && !user.roles.some((granted) => granted.project === project) && (
                  <button type="button" className="link" onClick={() => void act(() => admin(token, "PUT", `users/${encodeURIComponent(user.id)}/roles/${encodeURIComponent(project)}`, { role }))}>
                    {t("users.grant", { role: t(`role.${role}`), project: projectName(project) })}
                  </button>
                )}
              </td>
              <td>
                <button type="button" className="link" onClick={() => window.confirm(t("users.confirmRemove", { email: user.email })) && void act(() => admin(token, "DELETE", `users/${encodeURIComponent(user.id)}`))}>
                  {t("users.remove")}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

import { z } from "zod";
import { MAX_ID_LENGTH, MAX_SOURCE_FIELD_LENGTH } from "@chatfunnel/contract";
import { ChannelSchema } from "../event.js";

/**
 * Roles per project. viewer: what a read key can do (every GET of /api/v1); editor: what a manage key can do;
 * owner: the editor's rights (users are managed with the admin token; see README "Accounts and share links").
 */
export const ROLES = ["viewer", "editor", "owner"] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

/** Long enough to resist guessing once hashed; bounded so one request cannot hand the hash megabytes. */
export const PasswordSchema = z.string().min(8, "must be at least 8 characters").max(256, "must be at most 256 characters");
/** Emails compare in lower case: `Ann@Shop.ru` and `ann@shop.ru` are one account. */
export const EmailSchema = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email("must be an email address"))
  .transform((email) => email.toLowerCase());

export const ProjectRoleSchema = z.strictObject({ project: z.string().min(1).max(MAX_ID_LENGTH), role: RoleSchema });

/** POST /admin/v1/users: without a password the answer carries an invite link that sets one, once. */
export const AdminUserCreateBodySchema = z.strictObject({
  email: EmailSchema,
  password: PasswordSchema.optional(),
  roles: z.array(ProjectRoleSchema).max(1000).default([]),
});
export const AdminUserCreatedSchema = z.object({ id: z.string(), inviteUrl: z.string().optional(), inviteExpiresAt: z.string().optional() });

/** PUT /admin/v1/users/{id}/roles/{project}. */
export const AdminRoleBodySchema = z.strictObject({ role: RoleSchema });

export const AdminUserSchema = z.object({
  id: z.string(),
  email: z.string(),
  /** False while an invite is open: the user has not set a password yet. */
  hasPassword: z.boolean(),
  createdAt: z.string(),
  roles: z.array(z.object({ project: z.string(), role: RoleSchema })),
});
export const AdminUsersResponseSchema = z.object({ users: z.array(AdminUserSchema) });

/** POST /auth/v1/login. Parsed loosely on purpose: a malformed email is refused like a wrong one. */
export const LoginBodySchema = z.strictObject({ email: z.string().max(254), password: z.string().max(256) });

/** POST /auth/v1/invite: the token from the invite link and the password it sets. */
export const InviteAcceptBodySchema = z.strictObject({ token: z.string().min(1).max(200), password: PasswordSchema });

/** GET /auth/v1/me. */
export const MeResponseSchema = z.object({
  id: z.string(),
  email: z.string(),
  projects: z.array(z.object({ id: z.string(), name: z.string(), role: RoleSchema })),
});

/** The filters a share link fixes: the viewer picks the range, never the segment. */
export const ShareFiltersSchema = z.strictObject({
  channel: z.array(ChannelSchema).min(1).max(10).optional(),
  botId: z.string().min(1).max(MAX_ID_LENGTH).optional(),
  campaign: z.string().min(1).max(MAX_SOURCE_FIELD_LENGTH).optional(),
});
export type ShareFilters = z.infer<typeof ShareFiltersSchema>;

/** POST /api/v1/shares. */
export const ShareCreateBodySchema = z.strictObject({
  filters: ShareFiltersSchema.optional(),
  expiresAt: z.iso
    .datetime({ offset: true, error: "must be an ISO 8601 date-time with offset" })
    .refine((value) => Date.parse(value) > Date.now(), "must be in the future")
    .optional(),
  password: PasswordSchema.optional(),
});
export const ShareCreatedSchema = z.object({ id: z.string(), url: z.string(), expiresAt: z.string().nullable() });

export const ShareSchema = z.object({
  id: z.string(),
  filters: ShareFiltersSchema,
  expiresAt: z.string().nullable(),
  passwordProtected: z.boolean(),
  createdAt: z.string(),
});
export const SharesResponseSchema = z.object({ shares: z.array(ShareSchema) });

/** GET /auth/v1/share with the share token: what the read-only dashboard needs before it asks for data. */
export const ShareInfoResponseSchema = z.object({
  project: z.object({ id: z.string(), name: z.string() }),
  filters: ShareFiltersSchema,
  expiresAt: z.string().nullable(),
  passwordRequired: z.boolean(),
});
/** POST /auth/v1/share/unlock. */
export const ShareUnlockBodySchema = z.strictObject({ password: z.string().max(256) });
export const ShareUnlockedSchema = z.object({ accessToken: z.string(), expiresAt: z.string() });

export type AdminUsersResponse = z.infer<typeof AdminUsersResponseSchema>;
export type MeResponse = z.infer<typeof MeResponseSchema>;
export type ShareInfoResponse = z.infer<typeof ShareInfoResponseSchema>;
export type ShareUnlocked = z.infer<typeof ShareUnlockedSchema>;

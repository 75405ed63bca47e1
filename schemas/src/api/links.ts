import { z } from "zod";
import { CommonQuerySchema, MoneyRatioSchema, MoneySchema, RangeBoundSchema, RangeEchoSchema } from "./common.js";
import { LINK_CHANNELS, LINK_CODE_MESSAGE, LINK_CODE_PATTERN, MAX_LINK_TARGET_LENGTH, MAX_LINK_TEXT_LENGTH } from "@chatfunnel/contract";
import { textSchema } from "../event.js";

// The link channels, the code grammar and the WhatsApp ref marker are plain contract/ (the SDK's adapters read it).
export { LINK_CHANNELS, LINK_CODE_PATTERN, WHATSAPP_REF_PATTERN, whatsappPrefilledText } from "@chatfunnel/contract";

export const LinkChannelSchema = z.enum(LINK_CHANNELS);
export type LinkChannel = z.infer<typeof LinkChannelSchema>;

export const LinkCodeSchema = z.string().regex(LINK_CODE_PATTERN, LINK_CODE_MESSAGE);

/** Bot usernames: 5–32 of A-Za-z0-9_, ending in "bot" (Telegram's rule); an "@" in front is dropped. */
const TELEGRAM_TARGET = /^@?[A-Za-z][A-Za-z0-9_]{1,28}[Bb][Oo][Tt]$/;
/** A VK community's screen name or numeric id (club123 / public123 / 123). */
const VK_TARGET = /^[A-Za-z0-9_.]{1,64}$/;
/** E.164 digits, a "+" in front allowed. */
const WHATSAPP_TARGET = /^\+?[1-9][0-9]{7,14}$/;

const optionalText = (max: number) => textSchema(max, 1).optional();

export const LinkCreateBodySchema = z
  .strictObject({
    channel: LinkChannelSchema,
    target: z.string().min(1).max(MAX_LINK_TARGET_LENGTH),
    campaign: textSchema(MAX_LINK_TEXT_LENGTH, 1),
    source: optionalText(MAX_LINK_TEXT_LENGTH),
    medium: optionalText(MAX_LINK_TEXT_LENGTH),
    content: optionalText(MAX_LINK_TEXT_LENGTH),
    term: optionalText(MAX_LINK_TEXT_LENGTH),
    name: optionalText(MAX_LINK_TEXT_LENGTH),
    /** Click-to-WhatsApp ad id (the referral's source_id): its leads take this link's campaign. */
    adId: optionalText(MAX_LINK_TEXT_LENGTH),
  })
  .superRefine((body, ctx) => {
    const pattern = body.channel === "telegram" ? TELEGRAM_TARGET : body.channel === "vk" ? VK_TARGET : WHATSAPP_TARGET;
    if (!pattern.test(body.target)) {
      const expected =
        body.channel === "telegram"
          ? "a bot username (5-32 of A-Za-z0-9_, ending in 'bot')"
          : body.channel === "vk"
            ? "a VK community screen name or id"
            : "a WhatsApp number in E.164 digits, e.g. 79991234567";
      ctx.addIssue({ code: "custom", path: ["target"], message: `must be ${expected}` });
    }
  });
export type LinkCreateBody = z.infer<typeof LinkCreateBodySchema>;

export const LinkSchema = z.object({
  id: z.string(),
  code: z.string(),
  url: z.string(),
  channel: LinkChannelSchema,
  target: z.string(),
  campaign: z.string(),
  source: z.string().nullable(),
  medium: z.string().nullable(),
  content: z.string().nullable(),
  term: z.string().nullable(),
  name: z.string().nullable(),
  adId: z.string().nullable(),
  createdAt: z.string(),
});
export type Link = z.infer<typeof LinkSchema>;

/** GET /api/v1/links: the common filters; without from/to the last 30 days. */
export const LinksQuerySchema = CommonQuerySchema.extend({
  from: RangeBoundSchema.optional(),
  to: RangeBoundSchema.optional(),
});
export type LinksQuery = z.infer<typeof LinksQuerySchema>;
export const LINKS_DEFAULT_RANGE_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * One link with its figures in the range: users who started through it (an event carrying its code
 * or ad id), their leads, orders and revenue, and the spend of the link's campaign on its channel.
 */
export const LinkReportSchema = LinkSchema.extend({
  users: z.number().int(),
  leads: z.number().int(),
  orders: z.number().int(),
  revenue: MoneySchema,
  spend: MoneySchema,
  cpl: MoneyRatioSchema,
  cpo: MoneyRatioSchema,
});
export type LinkReport = z.infer<typeof LinkReportSchema>;

export const LinksResponseSchema = z.object({
  range: RangeEchoSchema,
  currency: z.string(),
  /** Newest link first. */
  links: z.array(LinkReportSchema),
});
export type LinksResponse = z.infer<typeof LinksResponseSchema>;

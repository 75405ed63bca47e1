import { TextField } from "./FormField.js";

/** Where a message goes: a Telegram chat through a bot, or a URL that gets a POST. */
export type DeliveryKind = "telegram" | "webhook";

/** The target as typed; a page turns it into its API body (the API checks and names a bad field). */
export interface DeliveryDraft {
  kind: DeliveryKind;
  botToken: string;
  chatId: string;
  url: string;
}

export type DeliveryField = "botToken" | "chatId" | "url";

/** The `deliver` object of an alert or a digest, as the API's 400 details name its fields. */
export function deliveryFieldOfPath(path: string): DeliveryField | undefined {
  if (path.startsWith("deliver.telegram.botToken")) return "botToken";
  if (path.startsWith("deliver.telegram.chatId")) return "chatId";
  if (path.startsWith("deliver.webhook")) return "url";
  return undefined;
}

/** Each page says in its own words what the target is for; the fields are the same. */
export interface DeliveryLabels {
  /** The choice's legend and each kind's name: needed only where there is a choice. */
  choice?: { legend: string; kind: Record<DeliveryKind, string> };
  /** Needed only where Telegram is offered. */
  telegram?: { botToken: string; botTokenHint: string; chatId: string; chatIdHint: string };
  url: string;
  urlHint: string;
  urlPlaceholder?: string;
}

/**
 * The delivery target of the Alerts, Digests and Webhooks forms. With more than one kind the choice is a radio
 * group in a fieldset; a page with one kind (lead webhooks: a URL only) gets its field alone, in the form's grid.
 */
export function DeliveryTargetFields({ prefix, kinds, draft, onChange, errors, labels }: { prefix: string; kinds: readonly DeliveryKind[]; draft: DeliveryDraft; onChange: (field: keyof DeliveryDraft, value: string) => void; errors: Partial<Record<DeliveryField, string>>; labels: DeliveryLabels }) {
  const kind = kinds.includes(draft.kind) ? draft.kind : (kinds[0] ?? "webhook");
  const fields =
    kind === "telegram" && labels.telegram ? (
      <>
        <TextField prefix={prefix} name="botToken" label={labels.telegram.botToken} hint={labels.telegram.botTokenHint} error={errors.botToken} value={draft.botToken} onChange={(value) => onChange("botToken", value)} options={{ required: true, placeholder: "123456:ABC-DEF…" }} />
        <TextField prefix={prefix} name="chatId" label={labels.telegram.chatId} hint={labels.telegram.chatIdHint} error={errors.chatId} value={draft.chatId} onChange={(value) => onChange("chatId", value)} options={{ required: true, placeholder: "-1001234567890" }} />
      </>
    ) : (
      <TextField prefix={prefix} name="url" label={labels.url} hint={labels.urlHint} error={errors.url} value={draft.url} onChange={(value) => onChange("url", value)} options={{ required: true, placeholder: labels.urlPlaceholder ?? "https://…" }} />
    );
  if (kinds.length < 2 || !labels.choice) return fields;
  const choice = labels.choice;
  return (
    <fieldset className="form-grid" data-field="kind">
      <legend>{choice.legend}</legend>
      {kinds.map((option) => (
        <label key={option} className="inline">
          <input type="radio" name={`${prefix}-kind`} value={option} checked={kind === option} onChange={() => onChange("kind", option)} /> {choice.kind[option]}
        </label>
      ))}
      {fields}
    </fieldset>
  );
}

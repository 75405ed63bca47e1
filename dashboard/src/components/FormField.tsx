import type { ReactNode } from "react";
import { ApiRequestError } from "../api/client.js";

/** A 400's messages by the form field each belongs to; `general` holds what no field claims. */
export interface FieldErrors<F extends string> {
  fields: Partial<Record<F, string>>;
  general: string | null;
}

export const noFieldErrors = <F extends string>(): FieldErrors<F> => ({ fields: {}, general: null });

/**
 * Where a 400's details go: each `{path, message}` beside the field `fieldOf(path)` names (the first message
 * per field), the error's own message above the form when no detail names a field of it.
 */
export function fieldErrors<F extends string>(error: unknown, fieldOf: (path: string) => F | undefined): FieldErrors<F> {
  if (!(error instanceof ApiRequestError)) return { fields: {}, general: error instanceof Error ? error.message : String(error) };
  const fields: Partial<Record<F, string>> = {};
  for (const detail of Array.isArray(error.details) ? error.details : []) {
    if (!detail || typeof detail !== "object" || !("path" in detail) || !("message" in detail)) continue;
    const field = fieldOf(String(detail.path));
    if (field) fields[field] ??= String(detail.message);
  }
  return { fields, general: Object.keys(fields).length > 0 ? null : error.message };
}

/** What a control inside a FormField carries so its label, error and hint are read with it. */
export interface FieldControlProps {
  id: string;
  "aria-invalid"?: true;
  "aria-describedby"?: string;
}

/** One labelled control with its error (an alert role, so it is announced) and hint, `data-field` naming it. */
export function FormField({ id, name, label, hint, error, children }: { id: string; name: string; label: string; hint?: string | undefined; error: string | undefined; children: (props: FieldControlProps) => ReactNode }) {
  const describedBy = [error ? `${id}-error` : "", hint ? `${id}-hint` : ""].filter(Boolean).join(" ");
  return (
    <div className="field" data-field={name}>
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(error ? { "aria-invalid": true } : {}), ...(describedBy ? { "aria-describedby": describedBy } : {}) })}
      {error && (
        <span id={`${id}-error`} className="field-error" role="alert">
          {error}
        </span>
      )}
      {hint && (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      )}
    </div>
  );
}

export interface TextFieldOptions {
  required?: boolean;
  placeholder?: string;
  inputMode?: "decimal";
}

/** A text input in a FormField: `<prefix>-<name>` is its id, `name` its form name. */
export function TextField({ prefix, name, label, hint, error, value, onChange, options = {} }: { prefix: string; name: string; label: string; hint?: string | undefined; error: string | undefined; value: string; onChange: (value: string) => void; options?: TextFieldOptions }) {
  return (
    <FormField id={`${prefix}-${name}`} name={name} label={label} hint={hint} error={error}>
      {(props) => <input {...props} name={name} autoComplete="off" value={value} onChange={(event) => onChange(event.target.value)} {...options} />}
    </FormField>
  );
}

/** The end of a create form: what no field claimed (above the button), a page's own status, the submit button. */
export function FormEnd({ general, failed, busy, submit, children }: { general: string | null; failed: (message: string) => string; busy: boolean; submit: string; children?: ReactNode }) {
  return (
    <>
      {general && (
        <p className="state state-error" role="alert">
          {failed(general)}
        </p>
      )}
      {children}
      <button type="submit" disabled={busy}>
        {submit}
      </button>
    </>
  );
}

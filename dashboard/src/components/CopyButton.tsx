import { useEffect, useState } from "react";
import { useI18n } from "../i18n/i18n.js";

/**
 * Copies text to the clipboard. navigator.clipboard exists only in secure contexts (https, localhost):
 * a dashboard opened over plain http on a LAN address falls back to a selected textarea and execCommand.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    /* refused (permissions, focus): try the old way */
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  try {
    return document.execCommand("copy");
  } catch {
    return false;
  } finally {
    area.remove();
  }
}

/** A button that copies `text` and says so for a moment; `what` names it for screen readers. */
export function CopyButton({ text, what }: { text: string; what?: string }) {
  const { t } = useI18n();
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  useEffect(() => {
    if (state === "idle") return;
    const timer = setTimeout(() => setState("idle"), 2000);
    return () => clearTimeout(timer);
  }, [state]);
  return (
    <span className="copy">
      <button type="button" className="secondary small" aria-label={what ? t("copy.copyNamed", { what }) : undefined} onClick={async () => setState((await copyText(text)) ? "copied" : "failed")}>
        {t("copy.copy")}
      </button>
      <span role="status" className={state === "failed" ? "copy-status bad" : "copy-status"}>
        {state === "copied" ? t("copy.copied") : state === "failed" ? t("copy.failed") : ""}
      </span>
    </span>
  );
}

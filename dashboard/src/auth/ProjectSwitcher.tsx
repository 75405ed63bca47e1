import { useId } from "react";
import { useI18n } from "../i18n/i18n.js";
import type { Me } from "./account.js";

/** In the header for a user with several projects; one project shows its name only. */
export function ProjectSwitcher({ me, project, onChange }: { me: Me; project: string; onChange: (id: string) => void }) {
  const { t } = useI18n();
  const id = useId();
  if (me.projects.length < 2) return <span className="project-name">{me.projects[0]?.name}</span>;
  return (
    <span className="project-switcher">
      <label htmlFor={id}>{t("auth.project")}</label>{" "}
      <select id={id} value={project} onChange={(event) => onChange(event.target.value)}>
        {me.projects.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </select>
    </span>
  );
}

import type { FunnelStep } from "@chatfunnel/schemas";

/**
 * One SQL expression giving, per event, the bit set of the steps it matches (bit k = step k+1), with every
 * type, property name and value passed as a typed placeholder. A filter holds only when the property is
 * present: `plan=` (empty) must not match events without `plan`.
 */
export function stepMaskSql(steps: FunnelStep[]): { sql: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const terms = steps.map((step, k) => {
    params[`step${k}_type`] = step.type;
    const conditions = [`type = {step${k}_type:String}`];
    Object.entries(step.filters).forEach(([key, value], f) => {
      params[`step${k}_key${f}`] = key;
      params[`step${k}_value${f}`] = value;
      conditions.push(`mapContains(properties, {step${k}_key${f}:String})`, `properties[{step${k}_key${f}:String}] = {step${k}_value${f}:String}`);
    });
    return `if(${conditions.join(" AND ")}, ${2 ** k}, 0)`;
  });
  return { sql: `toUInt32(${terms.join(" + ")})`, params };
}

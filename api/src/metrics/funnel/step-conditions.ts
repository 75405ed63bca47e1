import { PROPERTY_NUMBER_PATTERN_SOURCE, propertyNumber, type FunnelFilter, type FunnelStep } from "@chatfunnel/schemas";

/**
 * One SQL expression giving, per event, the bit set of the steps it matches (bit k = step k+1), with every
 * type, property name and value passed as a typed placeholder. The operators follow the comment in
 * schemas/src/api/funnel.ts: a filter other than `!=` and `!?` holds only when the property is present
 * (`plan=` must not match events without `plan`, and the Map's '' for a missing key is not a value).
 */
export function stepMaskSql(steps: FunnelStep[], prefix = "step"): { sql: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const terms = steps.map((step, k) => {
    const alternatives = step.anyOf.map((alternative, a) => {
      const name = `${prefix}${k}_${a}`;
      params[`${name}_type`] = alternative.type;
      const conditions = [`type = {${name}_type:String}`];
      alternative.filters.forEach((filter, f) => conditions.push(filterSql(filter, `${name}_${f}`, params)));
      return conditions.join(" AND ");
    });
    const matches = alternatives.length === 1 ? alternatives[0]! : alternatives.map((sql) => `(${sql})`).join(" OR ");
    return `if(${matches}, ${2 ** k}, 0)`;
  });
  return { sql: `toUInt32(${terms.join(" + ")})`, params };
}

/** Every value is a placeholder; the operator picks the SQL from this fixed list. */
function filterSql(filter: FunnelFilter, name: string, params: Record<string, string>): string {
  params[`${name}_key`] = filter.property;
  const key = `{${name}_key:String}`;
  const present = `mapContains(properties, ${key})`;
  const text = `properties[${key}]`;
  switch (filter.op) {
    case "=":
      params[`${name}_value`] = filter.value;
      return `${present} AND ${text} = {${name}_value:String}`;
    case "!=":
      params[`${name}_value`] = filter.value;
      return `NOT (${present} AND ${text} = {${name}_value:String})`;
    case ">":
    case ">=":
    case "<":
    case "<=": {
      // The pattern first: toFloat64OrNull alone reads texts the contract does not call numbers (`inf`, ` 1`).
      // A text beyond a double's range (`1e400`) parses as ±inf, which the contract does not call a number
      // either: isFinite. (JSON output writes inf as null, which hides it when looking.)
      // As text: the driver refuses a JS number past 2^53 that is a whole number (`1e20`), and the shortest
      // text of a double parses back to the same double.
      params[`${name}_value`] = String(propertyNumber(filter.value)!);
      const number = `ifNull(toFloat64OrNull(${text}), nan)`;
      return `${present} AND match(${text}, '${PROPERTY_NUMBER_PATTERN_SOURCE}') AND isFinite(${number}) AND ${number} ${filter.op} {${name}_value:Float64}`;
    }
    case "~":
      // The needle lowercased here with the same mapping as lowerUTF8 (checked in tests/integration/funnel-operators.test.ts).
      params[`${name}_value`] = filter.value.toLowerCase();
      return `${present} AND position(lowerUTF8(${text}), {${name}_value:String}) > 0`;
    case "?":
      return present;
    case "!?":
      return `NOT ${present}`;
  }
}

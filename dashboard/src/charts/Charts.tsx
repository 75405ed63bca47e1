import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

/**
 * Every recharts import lives here and this module is loaded lazily: the KPI cards paint before
 * the charting library arrives, and pages without charts never pay for it.
 */
export interface Series {
  key: string;
  label: string;
  color: string;
}

export type Row = Record<string, string | number | null>;

interface ChartProps {
  data: Row[];
  xKey: string;
  series: Series[];
  format: (value: number) => string;
  /** Axis ticks: shorter than the tooltip's figures (₽12K rather than ₽12,000.00). */
  formatAxis?: (value: number) => string;
  formatX?: (value: string) => string;
  /** X axis ticks, when shorter than the tooltip's label. */
  formatXAxis?: (value: string) => string;
  height?: number;
}

interface BarsProps extends ChartProps {
  /** One bar per x, its series stacked (shares of one whole, e.g. the support use-case mix). */
  stacked?: boolean;
}

/**
 * Whether every plotted value is a whole number (counts of users, events, orders). The axis then gets
 * whole ticks only: with fractional ticks a maximum of 2 reads "0, 1, 1, 2, 2" once the ticks are rounded.
 */
export function wholeNumbersOnly(data: Row[], series: Series[]): boolean {
  return data.every((row) => series.every((s) => {
    const value = row[s.key];
    return typeof value !== "number" || Number.isInteger(value);
  }));
}

const tooltipFormatter = (format: (value: number) => string) => (value: unknown) => (typeof value === "number" ? format(value) : String(value ?? "—"));

export function LinesChart({ data, xKey, series, format, formatAxis = format, formatX, formatXAxis = formatX, height = 220 }: ChartProps) {
  return (
    <ResponsiveContainer width="100%" height={height}>
      <LineChart data={data} margin={{ top: 8, right: 12, bottom: 4, left: 4 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="#e3e6ee" />
        <XAxis dataKey={xKey} tickFormatter={formatXAxis} minTickGap={16} fontSize={12} />
        <YAxis tickFormatter={formatAxis} allowDecimals={!wholeNumbersOnly(data, series)} width={64} fontSize={12} />
        <Tooltip formatter={tooltipFormatter(format)} labelFormatter={(label) => (formatX ? formatX(String(label)) : String(label))} />
        {series.length > 1 && <Legend />}
        {series.map((s) => (
          <Line key={s.key} type="linear" dataKey={s.key} name={s.label} stroke={s.color} strokeWidth={2} dot={data.length < 40} isAnimationActive={false} connectNulls={false} />
        ))}
      </LineChart>
    </ResponsiveContainer>
  );
}

export function BarsChart({ data, xKey, series, format, formatAxis = format, formatX, formatXAxis = formatX, height = 240, stacked = false }: BarsProps) {
  return (
    <ResponsiveContainer width="100%" height={height}>
      <BarChart data={data} margin={{ top: 8, right: 12, bottom: 4, left: 4 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="#e3e6ee" />
        <XAxis dataKey={xKey} tickFormatter={formatXAxis} fontSize={12} />
        <YAxis tickFormatter={formatAxis} allowDecimals={!wholeNumbersOnly(data, series)} width={64} fontSize={12} />
        <Tooltip formatter={tooltipFormatter(format)} labelFormatter={(label) => (formatX ? formatX(String(label)) : String(label))} />
        {series.length > 1 && <Legend />}
        {series.map((s) => (
          <Bar key={s.key} dataKey={s.key} name={s.label} fill={s.color} stackId={stacked ? "stack" : undefined} isAnimationActive={false} />
        ))}
      </BarChart>
    </ResponsiveContainer>
  );
}

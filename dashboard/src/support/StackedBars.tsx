import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { Row, Series } from "../charts/Charts.js";

/**
 * Bars stacked per bucket (charts/Charts.tsx has side-by-side bars only). Loaded lazily like Charts.tsx, so
 * recharts still arrives only with a chart.
 */
export function StackedBars({ data, xKey, series, format, formatX }: { data: Row[]; xKey: string; series: Series[]; format: (value: number) => string; formatX: (value: string) => string }) {
  return (
    <ResponsiveContainer width="100%" height={260}>
      <BarChart data={data} margin={{ top: 8, right: 12, bottom: 4, left: 4 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="#e3e6ee" />
        <XAxis dataKey={xKey} tickFormatter={formatX} fontSize={12} />
        <YAxis tickFormatter={format} width={64} fontSize={12} />
        <Tooltip formatter={(value: unknown) => (typeof value === "number" ? format(value) : "—")} labelFormatter={(label) => formatX(String(label))} />
        <Legend />
        {series.map((s) => (
          <Bar key={s.key} dataKey={s.key} name={s.label} fill={s.color} stackId="mix" isAnimationActive={false} />
        ))}
      </BarChart>
    </ResponsiveContainer>
  );
}

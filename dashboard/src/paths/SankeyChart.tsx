import { Layer, Rectangle, ResponsiveContainer, Sankey, Tooltip, type SankeyNodeProps } from "recharts";

/**
 * The recharts Sankey, in its own lazily loaded module like charts/Charts.tsx: the Paths page's table paints
 * before the charting library arrives. Nodes are drawn here so each is a labelled, clickable target; aligned left, so a path that ends early stays
 * in its step's column instead of being pushed to the right edge.
 */
export interface SankeyInput {
  nodes: { name: string }[];
  links: { source: number; target: number; value: number }[];
}

export function SankeyChart({ data, onSelect, selected, height = 420 }: { data: SankeyInput; onSelect: (index: number) => void; selected: number | null; height?: number }) {
  const renderNode = ({ x, y, width, height: h, index, payload }: SankeyNodeProps) => (
    <Layer key={`node-${index}`}>
      <Rectangle
        x={x}
        y={y}
        width={width}
        height={h}
        fill={index === selected ? "#f08a24" : "#3a6ff7"}
        fillOpacity={0.9}
        style={{ cursor: "pointer" }}
        onClick={() => onSelect(index)}
        data-testid="sankey-node"
        data-index={index}
      />
      <text x={x + width + 4} y={y + h / 2} dy="0.35em" fontSize={12} fill="#22252d" pointerEvents="none">
        {String((payload as { name?: string }).name ?? "")}
      </text>
    </Layer>
  );
  return (
    <ResponsiveContainer width="100%" height={height}>
      <Sankey data={data} node={renderNode} nodePadding={16} nodeWidth={12} margin={{ top: 8, right: 140, bottom: 8, left: 8 }} link={{ stroke: "#b9c6f3" }} sort={false} align="left">
        <Tooltip />
      </Sankey>
    </ResponsiveContainer>
  );
}

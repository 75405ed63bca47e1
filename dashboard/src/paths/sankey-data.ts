import type { PathNode, PathsResponse } from "@chatfunnel/schemas";
import type { SankeyInput } from "./SankeyChart.js";

/** A node's name on screen: its step and label (an event type, a button or a script node). */
export const nodeName = (node: PathNode): string => `${node.step}. ${node.label}`;

/** The answer as recharts takes a Sankey: links already index `nodes`. */
export function toSankey(data: PathsResponse): SankeyInput {
  return {
    nodes: data.nodes.map((node) => ({ name: nodeName(node) })),
    links: data.links.map((link) => ({ source: link.from, target: link.to, value: link.users })),
  };
}

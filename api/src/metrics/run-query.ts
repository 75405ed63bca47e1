// Moved to the warehouse; kept so modules outside the semantic layer's owner keep importing it here.
export { METRIC_QUERY_SETTINGS, runQuery } from "@chatfunnel/warehouse";

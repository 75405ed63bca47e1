// The session fact lives in the warehouse; kept so modules outside its owner keep importing it here.
export { sessionCtes } from "@chatfunnel/warehouse";
export { RANGE_HEAD, RANGE_HEAD_WITH_PREVIOUS } from "@chatfunnel/warehouse";

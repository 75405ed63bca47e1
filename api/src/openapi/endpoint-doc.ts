import type { z } from "zod";

/** What one endpoint tells openapi.json; each routes module lists its own next to the routes. */
export interface EndpointDoc {
  method: "get" | "post" | "delete";
  /** The success status when not 200: 201 for a created resource, 204 for no content. */
  status?: 201 | 204;
  path: string;
  summary: string;
  description?: string;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Other request media types accepted besides JSON, e.g. text/csv for spend import. */
  bodyMediaTypes?: string[];
  response: z.ZodType;
  /** Other response media types besides JSON, e.g. text/csv for funnel/dropoff. */
  responseMediaTypes?: string[];
}

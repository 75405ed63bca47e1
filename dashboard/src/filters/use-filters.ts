import { useMemo } from "react";
import { useLocation } from "../router/location.js";
import { parseFilters, toApiFilters, type ApiFilters, type Filters } from "./filters.js";

/** The global filters of the current URL, and the same as API query parameters. */
export function useFilters(): { filters: Filters; api: ApiFilters; params: URLSearchParams } {
  const { params } = useLocation();
  const search = params.toString();
  return useMemo(() => {
    const filters = parseFilters(new URLSearchParams(search));
    return { filters, api: toApiFilters(filters), params: new URLSearchParams(search) };
  }, [search]);
}

import { useQuery } from "@tanstack/react-query";
import { useApp } from "./context";

const PAGE = 100;

/** The account's people by id → name (`GET /api/v1/directory`, open to every role), every page of it. */
export function useDirectory(enabled = true) {
  const { api } = useApp();
  return useQuery({
    queryKey: ["directory"],
    enabled,
    staleTime: 60_000,
    queryFn: async () => {
      const names = new Map<string, string>();
      let cursor: string | undefined;
      do {
        const { data, error } = await api.GET("/api/v1/directory", { params: { query: { limit: PAGE, cursor } } });
        if (!data) throw error;
        for (const person of data.items) names.set(person.id, person.name);
        cursor = data.next_cursor ?? undefined;
      } while (cursor);
      return names;
    },
  });
}

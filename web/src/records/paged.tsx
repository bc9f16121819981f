import { useInfiniteQuery } from "@tanstack/react-query";

interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

/** A list read a page at a time with the API's cursors; `rows` is every page loaded so far. */
export function usePaged<T>(key: unknown[], page: (cursor: string | undefined) => Promise<Page<T>>) {
  const query = useInfiniteQuery({
    queryKey: key,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => page(pageParam),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  return { ...query, rows: query.data?.pages.flatMap((p) => p.items) ?? [] };
}

export function MoreButton({ list, label }: { list: ReturnType<typeof usePaged<unknown>>; label: string }) {
  if (!list.hasNextPage) return null;
  return (
    <button type="button" onClick={() => list.fetchNextPage()} disabled={list.isFetchingNextPage}>
      {list.isFetchingNextPage ? "Loading…" : label}
    </button>
  );
}

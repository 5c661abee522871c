public static class Solution
{
    public static long[] Distances(int n, int[][] edges, int source)
    {
        var next = Enumerable.Range(0, n).Select(_ => new List<(int To, int Weight)>()).ToArray();
        foreach (var e in edges)
        {
            next[e[0]].Add((e[1], e[2]));
        }

        var dist = Enumerable.Repeat(-1L, n).ToArray();
        var queue = new PriorityQueue<int, long>();
        dist[source] = 0;
        queue.Enqueue(source, 0);
        while (queue.TryDequeue(out var v, out var d))
        {
            if (d > dist[v])
            {
                continue;
            }

            foreach (var (to, w) in next[v])
            {
                var nd = d + w;
                if (dist[to] < 0 || nd < dist[to])
                {
                    dist[to] = nd;
                    queue.Enqueue(to, nd);
                }
            }
        }

        return dist;
    }
}

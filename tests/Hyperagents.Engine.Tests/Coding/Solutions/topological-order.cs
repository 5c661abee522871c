public static class Solution
{
    public static int[] Order(int n, int[][] edges)
    {
        var indegree = new int[n];
        var next = Enumerable.Range(0, n).Select(_ => new List<int>()).ToArray();
        foreach (var e in edges)
        {
            next[e[0]].Add(e[1]);
            indegree[e[1]]++;
        }

        var ready = new SortedSet<int>(Enumerable.Range(0, n).Where(v => indegree[v] == 0));
        var order = new List<int>();
        while (ready.Count > 0)
        {
            var v = ready.Min;
            ready.Remove(v);
            order.Add(v);
            foreach (var w in next[v])
            {
                if (--indegree[w] == 0)
                {
                    ready.Add(w);
                }
            }
        }

        return order.Count == n ? order.ToArray() : [];
    }
}

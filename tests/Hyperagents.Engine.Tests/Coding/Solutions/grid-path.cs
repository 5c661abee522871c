public static class Solution
{
    public static int ShortestPath(string[] grid)
    {
        int rows = grid.Length, cols = grid[0].Length;
        if (grid[0][0] == '#' || grid[rows - 1][cols - 1] == '#')
        {
            return -1;
        }

        var dist = new int[rows, cols];
        for (var r = 0; r < rows; r++) for (var c = 0; c < cols; c++) dist[r, c] = -1;
        var queue = new Queue<(int, int)>();
        dist[0, 0] = 0;
        queue.Enqueue((0, 0));
        int[] dr = [1, -1, 0, 0], dc = [0, 0, 1, -1];
        while (queue.Count > 0)
        {
            var (r, c) = queue.Dequeue();
            for (var d = 0; d < 4; d++)
            {
                int nr = r + dr[d], nc = c + dc[d];
                if (nr >= 0 && nr < rows && nc >= 0 && nc < cols && grid[nr][nc] != '#' && dist[nr, nc] < 0)
                {
                    dist[nr, nc] = dist[r, c] + 1;
                    queue.Enqueue((nr, nc));
                }
            }
        }

        return dist[rows - 1, cols - 1];
    }
}

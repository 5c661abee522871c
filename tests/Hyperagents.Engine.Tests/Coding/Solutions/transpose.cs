public static class Solution
{
    public static int[][] Transpose(int[][] m)
    {
        if (m.Length == 0)
        {
            return [];
        }

        var t = new int[m[0].Length][];
        for (var c = 0; c < t.Length; c++)
        {
            t[c] = new int[m.Length];
            for (var r = 0; r < m.Length; r++)
            {
                t[c][r] = m[r][c];
            }
        }

        return t;
    }
}

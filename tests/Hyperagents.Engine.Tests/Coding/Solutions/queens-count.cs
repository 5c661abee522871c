public static class Solution
{
    public static int CountQueens(int n)
    {
        return Place(0, 0, 0, 0);

        int Place(int row, int columns, int diagonals, int antiDiagonals)
        {
            if (row == n)
            {
                return 1;
            }

            var count = 0;
            for (var c = 0; c < n; c++)
            {
                int d = row + c, a = row - c + n - 1;
                if ((columns >> c & 1) == 0 && (diagonals >> d & 1) == 0 && (antiDiagonals >> a & 1) == 0)
                {
                    count += Place(row + 1, columns | 1 << c, diagonals | 1 << d, antiDiagonals | 1 << a);
                }
            }

            return count;
        }
    }
}

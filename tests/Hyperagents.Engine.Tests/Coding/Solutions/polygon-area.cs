public static class Solution
{
    public static double Area(double[][] points)
    {
        var twice = 0.0;
        for (var i = 0; i < points.Length; i++)
        {
            var j = (i + 1) % points.Length;
            twice += points[i][0] * points[j][1] - points[j][0] * points[i][1];
        }

        return Math.Abs(twice) / 2;
    }
}

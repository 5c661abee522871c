public static class Solution
{
    public static int FromRoman(string s)
    {
        static int V(char c) => c switch { 'I' => 1, 'V' => 5, 'X' => 10, 'L' => 50, 'C' => 100, 'D' => 500, 'M' => 1000, _ => 0 };
        var total = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var v = V(s[i]);
            total += i + 1 < s.Length && V(s[i + 1]) > v ? -v : v;
        }

        return total;
    }
}

public static class Solution
{
    public static string TopWord(string text)
    {
        var counts = new Dictionary<string, int>();
        var word = new StringBuilder();
        foreach (var c in text + " ")
        {
            if (char.IsAsciiLetter(c))
            {
                word.Append(char.ToLowerInvariant(c));
            }
            else if (word.Length > 0)
            {
                var w = word.ToString();
                counts[w] = counts.GetValueOrDefault(w) + 1;
                word.Clear();
            }
        }

        return counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key).FirstOrDefault() ?? "";
    }
}

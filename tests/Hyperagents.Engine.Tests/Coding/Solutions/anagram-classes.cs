public static class Solution
{
    public static int CountAnagramClasses(string[] words) =>
        words.Select(w => new string(w.ToLowerInvariant().OrderBy(c => c).ToArray())).Distinct().Count();
}

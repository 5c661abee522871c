public static class Solution
{
    public static string Encode(string s)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < s.Length;)
        {
            var j = i;
            while (j < s.Length && s[j] == s[i])
            {
                j++;
            }

            sb.Append(s[i]).Append(j - i);
            i = j;
        }

        return sb.ToString();
    }
}

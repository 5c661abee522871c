public static class Solution
{
    public static long Evaluate(string expression)
    {
        var s = expression.Replace(" ", "");
        var i = 0;
        return Sum();

        long Sum()
        {
            var v = Product();
            while (i < s.Length && (s[i] == '+' || s[i] == '-'))
            {
                var op = s[i++];
                var r = Product();
                v = op == '+' ? v + r : v - r;
            }

            return v;
        }

        long Product()
        {
            var v = Unary();
            while (i < s.Length && (s[i] == '*' || s[i] == '/'))
            {
                var op = s[i++];
                var r = Unary();
                v = op == '*' ? v * r : v / r;
            }

            return v;
        }

        long Unary()
        {
            if (s[i] == '-')
            {
                i++;
                return -Unary();
            }

            if (s[i] == '(')
            {
                i++;
                var v = Sum();
                i++;
                return v;
            }

            long n = 0;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                n = n * 10 + (s[i++] - '0');
            }

            return n;
        }
    }
}
